"""The trend crawler: scrapy spiders over configured sources, run in a child process.

Layout, top to bottom: ``items`` (what a crawl produces), one parser module per source
kind (``feeds``, ``google_trends``, ``reddit``, ``hackernews``, ``product_pages``),
``network_safety`` (which addresses may be fetched), ``spider`` and ``pipelines`` (the
scrapy side), ``crawl_process`` (the child process) and ``runner`` (starting it, as often
as needed in one process), ``dedupe`` and ``store`` (near-duplicate titles and the
database, in the parent where the embedding model stays warm).
"""
