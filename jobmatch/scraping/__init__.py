"""Scraping HelloWork with a real (headless) browser: URLs and parsers, browser, crawl loop."""
