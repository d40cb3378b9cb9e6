#!/usr/bin/env bash
# The README walkthrough with curl, against local mode (npm start) or the stack deployed on AWS: a click
# changes the user's recommendations seconds later, with no retraining. It runs any number of times on one
# deployment.
#
#   bash scripts/walkthrough.sh                           # local mode: reads .local-state/outputs.json
#   OUTPUTS_FILE=outputs.json bash scripts/walkthrough.sh # AWS: the file of `cdk deploy --outputs-file outputs.json`
#   API_URL=... API_KEY=... SOLUTION_ARN=... DATASET_GROUP_ARN=... bash scripts/walkthrough.sh
#
# On AWS the key's value is read with the AWS CLI from the ApiKeyId output unless API_KEY is set.
#
# What it uses, and what it leaves behind (GET /status tells what the dataset group has):
# - Event tracker (one per dataset group, no hourly charge): the group's ACTIVE one if it has one, else a new
#   one, waited for until ACTIVE and kept for the next run (DELETE_TRACKER=1 deletes a tracker this run made).
# - Campaign (bills per hour on AWS): a new solution version is trained and deployed, and that campaign is
#   deleted at the end, also when a step fails or on Ctrl-C. KEEP=1 keeps it. REUSE=1 uses the group's newest
#   ACTIVE campaign instead of training (and never deletes it).
# - Resources named by the outputs file (local mode's --provision writes CampaignArn, TrackingId,
#   EventTrackerArn, SolutionVersionArn) or by the variables CAMPAIGN_ARN, TRACKING_ID + EVENT_TRACKER_ARN,
#   SOLUTION_VERSION_ARN are used as they are and never deleted.
# POLL_SECONDS sets how often training, deployment and the tracker are polled (AWS training takes tens of
# minutes). EVENT_WAIT_SECONDS bounds the wait for the clicks to show in the recommendations (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."

OUTPUTS_FILE="${OUTPUTS_FILE:-${STATE_DIR:-.local-state}/outputs.json}"
POLL_SECONDS="${POLL_SECONDS:-2}"
EVENT_WAIT_SECONDS="${EVENT_WAIT_SECONDS:-60}"
USER_ID="${USER_ID:-429}"
NUM_RESULTS=10

output() { # output <name>: a value of the outputs file (first stack in it), empty without the file
  [[ -f "$OUTPUTS_FILE" ]] || return 0
  node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const stack = Object.values(o)[0] || {}; process.stdout.write(String(stack[process.argv[2]] ?? ""))' "$OUTPUTS_FILE" "$1"
}
js() { # js '<expression of v>' < json: the expression's value (strings as they are, the rest as JSON)
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const x = new Function("v", `return (${process.argv[1]})`)(JSON.parse(s));
    process.stdout.write(x === undefined || x === null ? "" : typeof x === "string" ? x : JSON.stringify(x)) })' "$1"
}

if [[ -z "${API_URL:-}" || -z "${SOLUTION_ARN:-}" || -z "${DATASET_GROUP_ARN:-}" ]]; then
  [[ -f "$OUTPUTS_FILE" ]] || { echo "No outputs file at $OUTPUTS_FILE: start local mode (npm start) or set OUTPUTS_FILE" >&2; exit 1; }
fi
API_URL="${API_URL:-$(output ApiUrl)}"
API_URL="${API_URL%/}"
SOLUTION_ARN="${SOLUTION_ARN:-$(output SolutionArn)}"
DATASET_GROUP_ARN="${DATASET_GROUP_ARN:-$(output DatasetGroupArn)}"
API_KEY="${API_KEY:-$(output ApiKey)}"
if [[ -z "$API_KEY" ]]; then
  API_KEY="$(aws apigateway get-api-key --api-key "$(output ApiKeyId)" --include-value --query value --output text)"
fi
# Given resources: used as they are, never deleted.
CAMPAIGN_ARN="${CAMPAIGN_ARN:-$(output CampaignArn)}"
TRACKING_ID="${TRACKING_ID:-$(output TrackingId)}"
EVENT_TRACKER_ARN="${EVENT_TRACKER_ARN:-$(output EventTrackerArn)}"
SOLUTION_VERSION_ARN="${SOLUTION_VERSION_ARN:-$(output SolutionVersionArn)}"
SUFFIX="$(date +%s)"

request() { # request <METHOD> <path> [json body]: prints the exchange, leaves the body in $BODY, the status in $STATUS
  local method="$1" path="$2" data="${3:-}"
  echo "> $method $API_URL$path ${data}" >&2
  if [[ -n "$data" ]]; then
    BODY="$(curl -sS -X "$method" "$API_URL$path" -H "x-api-key: $API_KEY" -H 'Content-Type: application/json' -d "$data" -w '\n%{http_code}')" || BODY=$'\n000'
  else
    BODY="$(curl -sS -X "$method" "$API_URL$path" -H "x-api-key: $API_KEY" -w '\n%{http_code}')" || BODY=$'\n000'
  fi
  STATUS="${BODY##*$'\n'}"
  BODY="${BODY%$'\n'*}"
  if [[ "$path" == /status && "$STATUS" == 2* ]]; then
    # The whole listing is long and read several times a run: each list's count per status instead.
    echo "< $STATUS $(js '["importJobs", "solutionVersions", "campaigns", "eventTrackers"].map((name) => {
      const counts = {}; for (const { status } of v[name] || []) counts[status] = (counts[status] || 0) + 1;
      return `${name}: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(", ") || "none"}`; }).join("; ")' <<<"$BODY")" >&2
  else
    echo "< $STATUS $BODY" >&2
  fi
  echo >&2
}
call() { # call <METHOD> <path> [json body]: request, failing on non-2xx
  request "$@"
  [[ "$STATUS" == 2* ]] || { echo "Request failed with $STATUS: $BODY" >&2; exit 1; }
}

wait_active() { # wait_active <path> <json body>: polls a describe route until it answers "ACTIVE"
  while true; do
    call POST "$1" "$2"
    case "$(js v <<<"$BODY")" in
      ACTIVE) return ;;
      *FAILED*) echo "Failed: $BODY" >&2; exit 1 ;;
    esac
    pause "$POLL_SECONDS"
  done
}

HAS_STATUS=1
status() { # status: GET /status into $STATUS_BODY; HAS_STATUS=0 on a deployment without the route
  request GET /status
  if [[ "$STATUS" == 404 || ( "$STATUS" == 403 && "$BODY" == *"Missing Authentication Token"* ) ]]; then
    HAS_STATUS=0
    STATUS_BODY='{"campaigns": [], "eventTrackers": []}'
    return
  fi
  [[ "$STATUS" == 2* ]] || { echo "Request failed with $STATUS: $BODY" >&2; exit 1; }
  STATUS_BODY="$BODY"
}

# What this run created, so that the exit trap deletes exactly that, whatever way the script ends. The steps run
# in a child process (below): each creation is written to CREATED_FILE at once, and the exit trap reads it back.
CREATED_SOLUTION_VERSION=""
CREATED_CAMPAIGN=""
CREATED_TRACKER=""
CREATED_FILE="$(mktemp)"
created() { # created <variable> <arn>: records what this run created
  printf -v "$1" '%s' "$2"
  printf '%s=%q\n' "$1" "$2" >>"$CREATED_FILE"
}

named() { # named <campaign arn> <tracker arn>: "campaign <arn>, event tracker <arn>", leaving out an empty one
  local text=""
  [[ -n "$1" ]] && text="campaign $1"
  [[ -n "$2" ]] && text="${text:+$text, }event tracker $2"
  echo "$text"
}
deletion() { # deletion <campaign arn> <tracker arn>: the DELETE /deleteResources body, naming only what is given
  local fields=""
  [[ -n "$1" ]] && fields="\"campaignArn\": \"$1\""
  [[ -n "$2" ]] && fields="${fields:+$fields, }\"eventTrackerArn\": \"$2\""
  echo "{$fields}"
}

delete_created() { # deletes the campaign (and, with DELETE_TRACKER=1, the tracker) this run created
  local campaign="$CREATED_CAMPAIGN" tracker=""
  [[ "${DELETE_TRACKER:-0}" == 1 ]] && tracker="$CREATED_TRACKER"
  [[ -n "$campaign$tracker" ]] || return 0
  echo "== 8. Delete what this run created: $(named "$campaign" "$tracker")"
  # The request names only what is to be deleted. A campaign still being created cannot be deleted yet (409):
  # retry, naming what is left, until it settles.
  while [[ -n "$campaign$tracker" ]]; do
    request DELETE /deleteResources "$(deletion "$campaign" "$tracker")"
    [[ "$(js 'v.campaign && v.campaign.deleted' <<<"$BODY" 2>/dev/null)" == true ]] && campaign=""
    [[ "$(js 'v.eventTracker && v.eventTracker.deleted' <<<"$BODY" 2>/dev/null)" == true ]] && tracker="" CREATED_TRACKER=""
    [[ -n "$campaign$tracker" ]] || break
    if [[ "$STATUS" == 000 || "$(js '[v.campaign, v.eventTracker].some((o) => /InUse/.test(o?.error?.code))' <<<"$BODY" 2>/dev/null)" == true ]]; then
      echo "Not settled yet: retrying in $POLL_SECONDS s (Ctrl-C leaves it in place)"
      sleep "$POLL_SECONDS"
      continue
    fi
    echo "Could not delete $(named "$campaign" "$tracker"): $STATUS $BODY" >&2
    [[ -n "$campaign" ]] || CREATED_CAMPAIGN=""
    return 1
  done
  [[ -n "$CREATED_CAMPAIGN" ]] || return 0
  request POST /describeCampaign "{\"campaignArn\": \"$CREATED_CAMPAIGN\"}"
  if [[ "$STATUS" == 404 ]]; then
    echo "Campaign $CREATED_CAMPAIGN is deleted: $BODY"
  else
    echo "Campaign $CREATED_CAMPAIGN is being deleted: it reads $BODY until Personalize has removed it (minutes on AWS), then 404."
  fi
  CREATED_CAMPAIGN=""
}

# Ctrl-C and SIGTERM. The steps run in a child process while this shell only waits for it: `wait` returns at once
# on a trapped signal, and this shell then stops the child and deletes what the run created. A trap in the shell
# that runs the steps is not reliable: bash 5.2 drops a SIGINT that lands while it waits for a $(...) to end,
# and a terminal's Ctrl-C reaches curl and node too (they are the child's here, and ignore it).
STEPS_PID=""
stop_steps() { # ends the child between two requests, and waits for it
  trap '' INT TERM
  local pid="${STEPS_PID:-$!}" # $! if the signal came between `steps &` and the assignment
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
interrupted() { stop_steps; exit 130; }
terminated() { stop_steps; exit 143; }
interrupted_cleanup() { echo "Interrupted: campaign ${CREATED_CAMPAIGN:-(none)} may be left" >&2; exit 130; }
finish() {
  local code=$?
  set +e
  trap - EXIT
  stop_steps # in case `set -e` ended this shell on wait's status before the trap ran
  # shellcheck source=/dev/null
  source "$CREATED_FILE"
  rm -f "$CREATED_FILE"
  if [[ "${KEEP:-0}" != 1 ]]; then
    trap interrupted_cleanup INT TERM
    delete_created || code=1
    trap '' INT TERM
  fi
  echo "== Left behind by this run"
  [[ -n "$CREATED_CAMPAIGN" ]] && echo "Kept: campaign $CREATED_CAMPAIGN (bills per hour on AWS; delete it with DELETE /deleteResources)"
  [[ -n "$CREATED_TRACKER" ]] && echo "Kept: event tracker $CREATED_TRACKER (no hourly charge; the next run reuses it)"
  [[ -n "$CREATED_SOLUTION_VERSION" ]] && echo "Kept: solution version $CREATED_SOLUTION_VERSION (trained once, no hourly charge)"
  [[ -z "$CREATED_CAMPAIGN$CREATED_TRACKER$CREATED_SOLUTION_VERSION" ]] && echo "Nothing."
  if [[ "$code" == 0 ]]; then echo "Done."; else echo "Failed (exit $code)." >&2; fi
  exit "$code"
}
trap finish EXIT
trap interrupted INT
trap terminated TERM

# In the child: SIGINT is this shell's to act on; SIGTERM (from stop_steps) ends the child at once, except while a
# creating request is under way: then right after its answer is recorded, so that the exit trap deletes it.
CREATING=0
STOPPING=0
SLEEPING=""
steps_stopped() {
  if [[ "$CREATING" == 1 ]]; then STOPPING=1; return; fi
  [[ -z "$SLEEPING" ]] || kill "$SLEEPING" 2>/dev/null || true
  exit 143
}
creating() { CREATING=1; }
created_all() { CREATING=0; [[ "$STOPPING" == 0 ]] || steps_stopped; }
pause() { # pause <seconds>: a sleep that SIGTERM ends at once
  sleep "$1" & SLEEPING=$!
  wait "$SLEEPING"
  SLEEPING=""
}

steps() {
  trap '' INT
  trap steps_stopped TERM
  echo "== 0. What the dataset group has (GET /status)"
  status
  [[ "$HAS_STATUS" == 1 ]] || echo "This deployment has no GET /status: nothing is reused."

  if [[ -n "$CAMPAIGN_ARN" ]]; then
    echo "== 1-2. Using the given campaign $CAMPAIGN_ARN (not deleted)"
    wait_active /describeCampaign "{\"campaignArn\": \"$CAMPAIGN_ARN\"}"
  elif [[ "${REUSE:-0}" == 1 && -n "$(js '(v.campaigns.find((c) => c.status === "ACTIVE") || {}).campaignArn' <<<"$STATUS_BODY")" ]]; then
    CAMPAIGN_ARN="$(js 'v.campaigns.find((c) => c.status === "ACTIVE").campaignArn' <<<"$STATUS_BODY")"
    echo "== 1-2. REUSE=1: reusing the ACTIVE campaign $CAMPAIGN_ARN (not deleted)"
  else
    if [[ -n "$SOLUTION_VERSION_ARN" ]]; then
      echo "== 1. Using the given solution version $SOLUTION_VERSION_ARN"
    else
      [[ "${REUSE:-0}" == 1 ]] && echo "REUSE=1, but the dataset group has no ACTIVE campaign: training one."
      echo "== 1. Train a solution version"
      creating
      call POST /solutionVersion "{\"solutionArn\": \"$SOLUTION_ARN\", \"version\": \"walkthrough-$SUFFIX\"}"
      SOLUTION_VERSION_ARN="$(js v.solutionVersionArn <<<"$BODY")"
      created CREATED_SOLUTION_VERSION "$SOLUTION_VERSION_ARN"
      created_all
    fi
    wait_active /describeSolutionVersion "{\"solutionVersionArn\": \"$SOLUTION_VERSION_ARN\"}"

    echo "== 2. Deploy it as a campaign"
    creating
    call POST /campaign "{\"solutionVersionArn\": \"$SOLUTION_VERSION_ARN\", \"name\": \"walkthrough-$SUFFIX\"}"
    CAMPAIGN_ARN="$(js v.campaignArn <<<"$BODY")"
    created CREATED_CAMPAIGN "$CAMPAIGN_ARN"
    created_all
    echo "Created campaign $CAMPAIGN_ARN ($([[ "${KEEP:-0}" == 1 ]] && echo "KEEP=1: kept" || echo "deleted when the run ends"))"
    wait_active /describeCampaign "{\"campaignArn\": \"$CAMPAIGN_ARN\"}"
  fi

  tracker_status() { # tracker_status <arn>: the tracker's status in /status ("" if it is not listed)
    status
    ARN="$1" js '(v.eventTrackers.find((t) => t.eventTrackerArn === process.env.ARN) || {}).status' <<<"$STATUS_BODY"
  }
  wait_tracker() { # wait_tracker <arn>: polls /status until the tracker is ACTIVE (PutEvents refuses it before)
    local state
    [[ "$HAS_STATUS" == 1 ]] || return 0
    while true; do
      state="$(tracker_status "$1")"
      echo "Event tracker $1: ${state:-not listed}"
      case "$state" in
        ACTIVE) return ;;
        *FAILED* | *DELETE*) echo "The event tracker will not become ACTIVE: $state" >&2; exit 1 ;;
      esac
      pause "$POLL_SECONDS"
    done
  }

  if [[ -n "$TRACKING_ID" && -n "$EVENT_TRACKER_ARN" ]]; then
    echo "== 3. Using the given event tracker $EVENT_TRACKER_ARN (not deleted)"
  else
    status
    # The group's tracker, unless it is being deleted (then a new one is created once it is gone).
    while true; do
      EXISTING="$(js 'v.eventTrackers.find((t) => !/DELETE|FAILED/.test(t.status)) || ""' <<<"$STATUS_BODY")"
      [[ -z "$EXISTING" && "$(js 'v.eventTrackers.some((t) => /DELETE/.test(t.status))' <<<"$STATUS_BODY")" == true ]] || break
      echo "The dataset group's event tracker is being deleted: waiting for it to be gone"
      pause "$POLL_SECONDS"
      status
    done
    if [[ -n "$EXISTING" ]]; then
      EVENT_TRACKER_ARN="$(js v.eventTrackerArn <<<"$EXISTING")"
      TRACKING_ID="$(js 'v.trackingId || ""' <<<"$EXISTING")"
      [[ -n "$TRACKING_ID" ]] || { echo "The dataset group's event tracker $EVENT_TRACKER_ARN is not this stack's (no tracking id readable): delete it or set TRACKING_ID" >&2; exit 1; }
      echo "== 3. Reusing the dataset group's event tracker $EVENT_TRACKER_ARN (one per dataset group)"
    else
      echo "== 3. Create the event tracker"
      creating
      request POST /eventTracker "{\"name\": \"walkthrough-$SUFFIX\", \"datasetGroupArn\": \"$DATASET_GROUP_ARN\"}"
      if [[ "$STATUS" != 2* ]]; then
        echo "Could not create an event tracker ($STATUS). A dataset group has one at most: set TRACKING_ID and EVENT_TRACKER_ARN to use the existing one." >&2
        exit 1
      fi
      TRACKING_ID="$(js v.trackingId <<<"$BODY")"
      EVENT_TRACKER_ARN="$(js v.eventTrackerArn <<<"$BODY")"
      created CREATED_TRACKER "$EVENT_TRACKER_ARN"
      created_all
      echo "Created event tracker $EVENT_TRACKER_ARN"
    fi
    wait_tracker "$EVENT_TRACKER_ARN"
  fi
  echo "Tracking id $TRACKING_ID"

  item_ids() { js 'v.itemList.map((i) => i.itemId).join(" ")'; }
  recommendations() { # recommendations <n>: the item ids recommended to USER_ID, best first
    call GET "/getRecommendations?campaignArn=$CAMPAIGN_ARN&userId=$USER_ID&numResults=$1"
    item_ids <<<"$BODY"
  }

  echo "== 4. Recommendations for user $USER_ID"
  read -r -a CANDIDATES <<<"$(recommendations $((NUM_RESULTS * 3)))"
  BEFORE="${CANDIDATES[*]:0:NUM_RESULTS}"
  echo "Top $NUM_RESULTS: $BEFORE"
  # The item clicked: one the user's top list does not hold, taken from further down their recommendations.
  ITEM_ID="${ITEM_ID:-${CANDIDATES[${#CANDIDATES[@]}-1]}}"
  case " $BEFORE " in *" $ITEM_ID "*) echo "Item $ITEM_ID is already in the top $NUM_RESULTS: choose another ITEM_ID" >&2; exit 1 ;; esac

  echo "== 5. Three clicks on item $ITEM_ID through the stream (POST /data)"
  call POST /data "{\"stream-name\": \"ignored\", \"PartitionKey\": \"$USER_ID\", \"Data\": {\"userId\": \"$USER_ID\", \"itemId\": \"$ITEM_ID\", \"eventType\": \"click\", \"trackingId\": \"$TRACKING_ID\", \"interactions\": 3}}"

  echo "== 6. Recommendations for user $USER_ID again, until the clicks show (at most $EVENT_WAIT_SECONDS s)"
  STARTED="$SECONDS"
  while true; do
    AFTER="$(recommendations "$NUM_RESULTS")"
    [[ "$AFTER" != "$BEFORE" ]] && break
    if (( SECONDS - STARTED >= EVENT_WAIT_SECONDS )); then
      echo "The recommendations did not change within $EVENT_WAIT_SECONDS s of the clicks" >&2
      exit 1
    fi
    pause 0.5
  done
  echo "Before: $BEFORE"
  echo "After:  $AFTER"
  ENTERED="$(comm -13 <(tr ' ' '\n' <<<"$BEFORE" | sort) <(tr ' ' '\n' <<<"$AFTER" | sort) | tr '\n' ' ')"
  case " $AFTER " in
    *" $ITEM_ID "*) echo "Changed after about $((SECONDS - STARTED)) s, no retraining: the clicked item $ITEM_ID is now in the top $NUM_RESULTS; new: ${ENTERED:-none}" ;;
    *) echo "Changed after about $((SECONDS - STARTED)) s, no retraining: new in the top $NUM_RESULTS: ${ENTERED:-none (the order changed)}" ;;
  esac

  echo "== 7. Two more clicks sent synchronously (POST /putEvents; a retry with the same idempotencyKey sends the same event ids)"
  call POST /putEvents "{\"userId\": \"$USER_ID\", \"itemId\": \"$ITEM_ID\", \"eventType\": \"click\", \"trackingId\": \"$TRACKING_ID\", \"interactions\": 2, \"idempotencyKey\": \"walkthrough-$SUFFIX-$$\"}"
}

steps &
STEPS_PID=$!
wait "$STEPS_PID"
