#!/usr/bin/env bash
# An OpenAI-compatible HTTP server (GET /v1/models, POST /v1/chat/completions and /v1/completions, streamed or not)
# over the project's engines: by default the four bundled tiny models on the DJL engine, on 127.0.0.1:8000.
#   deploy/openai-server.sh [--port 8000] [--host 127.0.0.1] [--model NAME[=PATH]]... [--option KEY=VALUE]...
#                           [--backend djl|sim] [--chat-template auto|none|chatml|llama3|llama2] [--api-key-env NAME]
# Then point a job's models at it: backend openai, options {base_url: "http://127.0.0.1:8000/v1"}.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib.sh
moa_build connectors/openai-server
cp=$(moa_classpath connectors/openai-server)
exec java ${MOA_JAVA_OPTS:--Xmx2g} -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.showDateTime=true \
  -cp "connectors/openai-server/target/classes:$cp" dev.moaflink.openai.server.OpenAiServer "$@"
