#!/usr/bin/env bash
# postman_collection.json run by newman against local mode (npm start) or the stack on AWS, from any terminal:
# the base URL, key, solution and dataset group come from the outputs file, as the walkthrough script reads
# them. Arguments are passed on to newman (e.g. --env-var maxPolls=400 on AWS, where training takes longer).
#
#   npm run newman                                   # local mode: reads .local-state/outputs.json
#   OUTPUTS_FILE=outputs.json npm run newman         # AWS: the file of `cdk deploy --outputs-file outputs.json`
#
# On AWS the key's value is read with the AWS CLI from the ApiKeyId output unless API_KEY is set.
set -euo pipefail
cd "$(dirname "$0")/.."

OUTPUTS_FILE="${OUTPUTS_FILE:-${STATE_DIR:-.local-state}/outputs.json}"
[[ -f "$OUTPUTS_FILE" ]] || {
  echo "No outputs file at $OUTPUTS_FILE: start local mode (npm start) or set OUTPUTS_FILE" >&2
  exit 1
}
output() { # output <name>: a value of the outputs file (its first stack)
  node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const stack = Object.values(o)[0] || {}; process.stdout.write(String(stack[process.argv[2]] ?? ""))' "$OUTPUTS_FILE" "$1"
}
API_URL="$(output ApiUrl)"
API_KEY="${API_KEY:-$(output ApiKey)}"
if [[ -z "$API_KEY" ]]; then
  API_KEY="$(aws apigateway get-api-key --api-key "$(output ApiKeyId)" --include-value --query value --output text)"
fi
ENV_VARS=(
  --env-var "baseUrl=${API_URL%/}"
  --env-var "apiKey=$API_KEY"
  --env-var "solutionArn=$(output SolutionArn)"
  --env-var "datasetGroupArn=$(output DatasetGroupArn)"
)
# What local mode's --provision (or cdk deploy -c provision=true) created: used as it is, never deleted.
for pair in campaignArn:CampaignArn eventTrackerArn:EventTrackerArn trackingId:TrackingId; do
  value="$(output "${pair#*:}")"
  [[ -n "$value" ]] && ENV_VARS+=(--env-var "${pair%%:*}=$value")
done
exec npx --no-install newman run postman_collection.json "${ENV_VARS[@]}" "$@"
