# The two commands (see README):
#   make run    set everything up and run the assistant; prints where to open it
#   make test   set everything up and run every test
.PHONY: run test setup train generate lock bench-retrieval bench-backend bench-nlu

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
