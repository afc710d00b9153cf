"""The web application: the dashboard, the REST API and the replay of captured pages."""
