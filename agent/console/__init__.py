"""The web console: JSON API, pages and event stream over one backend contract."""
