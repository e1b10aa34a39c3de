# The two commands (see README):
#   make run    set everything up and run the assistant; prints where to open it
#   make test   set everything up and run every test
.PHONY: run test setup train generate lock bench-retrieval bench-backend bench-nlu bench-conversation

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

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
