from shared import run_migrations_online

run_migrations_online()
