"""Use cases. Entry points (CLI, API, web) call these; these call ports, never the reverse."""
