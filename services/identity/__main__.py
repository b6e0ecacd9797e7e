import sys

# The guard matters: import validation runs in spawned worker processes, which import the main
# module again (as `__mp_main__`); without it each worker would start another service.
if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "import":
        from services.identity.imports.cli import main

        sys.exit(main(sys.argv[2:]))

    from services.identity.app import SERVICE
    from shared import service_main

    service_main(SERVICE, app_factory="services.identity.app:create_app")
