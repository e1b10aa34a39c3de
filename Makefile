# The two commands (see README):
#   make run    set everything up and run the assistant; prints where to open it
#   make test   set everything up and run every test
.PHONY: run run-cluster bench-load test setup train generate lock bench-retrieval bench-backend bench-nlu bench-conversation wechat-chat wechat-menu

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

# N Rasa instances + N action servers behind HAProxy, PostgreSQL tracker store and backend,
# Redis lock store (README, "Throughput and scale-out"); RASA_INSTANCES=2 by default.
run-cluster:
	bash scripts/run.sh cluster

setup:
	bash scripts/bootstrap.sh all

generate: setup
	.venv-bot/bin/python -m knowledge.generate

train: setup
	.venv-bot/bin/python scripts/stack.py train

lock:
	.venv-bot/bin/python -m pip freeze --all --exclude-editable > requirements/bot.lock.txt
	.venv-backend/bin/python -m pip freeze --all --exclude-editable > requirements/backend.lock.txt

# Benchmarks print figures; they are never part of `make test`.
bench-retrieval: setup
	.venv-backend/bin/python benchmarks/retrieval/run.py

bench-backend: setup
	.venv-backend/bin/python benchmarks/backend/run.py

bench-nlu: setup
	.venv-bot/bin/python benchmarks/nlu/crossval.py

bench-conversation: setup
	.venv-bot/bin/python benchmarks/conversation/run.py

# Locust load test, one instance then the cluster (README, "Throughput and scale-out")
bench-load: setup
	.venv-bot/bin/python benchmarks/load/run.py

# WeChat: `WECHAT_SIM=1 make run` starts the local simulator too; then chat through it.
wechat-chat:
	.venv-bot/bin/python -m tools.wechat_sim chat --sim http://127.0.0.1:$${WECHAT_SIM_PORT:-8090}

# Publish bot/channels/wechat_menu.yml to the account (WECHAT_APP_ID, WECHAT_APP_SECRET; WECHAT_API_BASE for the simulator).
wechat-menu: setup
	.venv-bot/bin/python -m bot.channels.wechat_menu publish
