"""SwordNet's tests. A regular package, so that no installed top-level ``tests`` package
(pywb ships one) shadows it in worker processes."""
