from services.scoring.app import SERVICE
from shared import service_main

service_main(SERVICE, app_factory="services.scoring.app:create_app")
