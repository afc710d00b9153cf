"""The crawler: a persistent frontier, politeness, trap defences, and the crawl loop."""
