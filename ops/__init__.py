"""Running the service: the process supervisor behind `manage.py run`."""
