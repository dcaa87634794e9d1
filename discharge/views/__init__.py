"""What people read of the pathways, whichever door they use: the CLI (``discharge/cli``), the web page
(``workers/web``) and the benchmarks share these.

| module | job |
|---|---|
| ``visibility`` | every visibility query (quoting, listings, tasks), ``PathwayRow``, ``list_pathways`` |
| ``paging`` | a page at a time with the total from the count API; tasks soonest due first, in bands |
| ``times`` | times as people read them: Stockholm local time, spans, due and overdue |
| ``words`` | the pathway's codes (escalation reasons) in words, in the reader's language |
"""
