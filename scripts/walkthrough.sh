#!/usr/bin/env bash
# The README walkthrough with curl, against local mode (npm start) or the stack deployed on AWS.
#
#   bash scripts/walkthrough.sh                           # local mode: reads .local-state/outputs.json
#   OUTPUTS_FILE=outputs.json bash scripts/walkthrough.sh # AWS: the file of `cdk deploy --outputs-file outputs.json`
#   API_URL=... API_KEY=... SOLUTION_ARN=... DATASET_GROUP_ARN=... bash scripts/walkthrough.sh
#
# On AWS the key's value is read with the AWS CLI from the ApiKeyId output unless API_KEY is set.
# KEEP=1 keeps the campaign and event tracker (a campaign bills per hour on AWS: the default deletes them).
# POLL_SECONDS sets how often training and deployment are polled (AWS training takes tens of minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

OUTPUTS_FILE="${OUTPUTS_FILE:-${STATE_DIR:-.local-state}/outputs.json}"
POLL_SECONDS="${POLL_SECONDS:-2}"
USER_ID="${USER_ID:-429}"

output() { # output <name>: a value of the outputs file (first stack in it)
  node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const stack = Object.values(o)[0] || {}; process.stdout.write(String(stack[process.argv[2]] ?? ""))' "$OUTPUTS_FILE" "$1"
}
field() { # field <name> < json: a top-level field of a JSON document (a JSON string itself when <name> is .)
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const v = JSON.parse(s); const f = process.argv[1]; const x = f === "." ? v : v[f];
    process.stdout.write(typeof x === "string" ? x : JSON.stringify(x ?? "")) })' "$1"
}

if [[ -z "${API_URL:-}" || -z "${SOLUTION_ARN:-}" || -z "${DATASET_GROUP_ARN:-}" ]]; then
  [[ -f "$OUTPUTS_FILE" ]] || { echo "No outputs file at $OUTPUTS_FILE: start local mode (npm start) or set OUTPUTS_FILE" >&2; exit 1; }
fi
API_URL="${API_URL:-$(output ApiUrl)}"
API_URL="${API_URL%/}"
SOLUTION_ARN="${SOLUTION_ARN:-$(output SolutionArn)}"
DATASET_GROUP_ARN="${DATASET_GROUP_ARN:-$(output DatasetGroupArn)}"
API_KEY="${API_KEY:-$( [[ -f "$OUTPUTS_FILE" ]] && output ApiKey || true)}"
if [[ -z "$API_KEY" ]]; then
  API_KEY="$(aws apigateway get-api-key --api-key "$(output ApiKeyId)" --include-value --query value --output text)"
fi
SUFFIX="$(date +%s)"

call() { # call <METHOD> <path> [json body]: prints the exchange, leaves the body in $BODY, fails on non-2xx
  local method="$1" path="$2" data="${3:-}" status
  echo "> $method $API_URL$path ${data}" >&2
  if [[ -n "$data" ]]; then
    BODY="$(curl -sS -X "$method" "$API_URL$path" -H "x-api-key: $API_KEY" -H 'Content-Type: application/json' -d "$data" -w '\n%{http_code}')"
  else
    BODY="$(curl -sS -X "$method" "$API_URL$path" -H "x-api-key: $API_KEY" -w '\n%{http_code}')"
  fi
  status="${BODY##*$'\n'}"
  BODY="${BODY%$'\n'*}"
  echo "< $status $BODY" >&2
  echo >&2
  [[ "$status" == 2* ]] || { echo "Request failed with $status" >&2; exit 1; }
}

wait_active() { # wait_active <path> <json body>: polls a describe route until it answers "ACTIVE"
  while true; do
    call POST "$1" "$2"
    case "$(field . <<<"$BODY")" in
      ACTIVE) return ;;
      *FAILED*) echo "Failed: $BODY" >&2; exit 1 ;;
    esac
    sleep "$POLL_SECONDS"
  done
}

echo "== 1. Train a solution version"
call POST /solutionVersion "{\"solutionArn\": \"$SOLUTION_ARN\", \"version\": \"walkthrough-$SUFFIX\"}"
SOLUTION_VERSION_ARN="$(field solutionVersionArn <<<"$BODY")"
wait_active /describeSolutionVersion "{\"solutionVersionArn\": \"$SOLUTION_VERSION_ARN\"}"

echo "== 2. Deploy it as a campaign"
call POST /campaign "{\"solutionVersionArn\": \"$SOLUTION_VERSION_ARN\", \"name\": \"walkthrough-$SUFFIX\"}"
CAMPAIGN_ARN="$(field campaignArn <<<"$BODY")"
wait_active /describeCampaign "{\"campaignArn\": \"$CAMPAIGN_ARN\"}"

echo "== 3. Create the event tracker"
call POST /eventTracker "{\"name\": \"walkthrough-$SUFFIX\", \"datasetGroupArn\": \"$DATASET_GROUP_ARN\"}"
TRACKING_ID="$(field trackingId <<<"$BODY")"
EVENT_TRACKER_ARN="$(field eventTrackerArn <<<"$BODY")"

echo "== 4. Recommendations for user $USER_ID"
call GET "/getRecommendations?campaignArn=$CAMPAIGN_ARN&userId=$USER_ID&numResults=5"
ITEM_ID="${ITEM_ID:-$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.itemList[r.itemList.length - 1].itemId)' "$BODY")}"

echo "== 5. Three clicks on item $ITEM_ID through the stream (POST /data)"
call POST /data "{\"stream-name\": \"ignored\", \"PartitionKey\": \"$USER_ID\", \"Data\": {\"userId\": \"$USER_ID\", \"itemId\": \"$ITEM_ID\", \"eventType\": \"click\", \"trackingId\": \"$TRACKING_ID\", \"interactions\": 3}}"
sleep "${EVENT_WAIT_SECONDS:-3}"

echo "== 6. Recommendations for user $USER_ID again: they follow the clicks"
call GET "/getRecommendations?campaignArn=$CAMPAIGN_ARN&userId=$USER_ID&numResults=5"

echo "== 7. The same batch sent synchronously (POST /putEvents)"
call POST /putEvents "{\"userId\": \"$USER_ID\", \"itemId\": \"$ITEM_ID\", \"eventType\": \"click\", \"trackingId\": \"$TRACKING_ID\", \"interactions\": 2}"

if [[ "${KEEP:-0}" == 1 ]]; then
  echo "Kept: campaign $CAMPAIGN_ARN and event tracker $EVENT_TRACKER_ARN"
  exit 0
fi
echo "== 8. Delete the campaign and the event tracker"
call DELETE /deleteResources "{\"campaignArn\": \"$CAMPAIGN_ARN\", \"eventTrackerArn\": \"$EVENT_TRACKER_ARN\"}"
echo "Done."
