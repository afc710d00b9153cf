"""Concrete plug-ins behind the extension points: fetchers, extractors, notifiers."""
