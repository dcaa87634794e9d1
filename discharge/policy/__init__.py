"""The region's rules as data (issue 25, docs/policy.md): the policy file, its validation and defaults.

| module | job |
|---|---|
| ``file`` | ``PolicyFile``: the YAML file's model, strict on every field |
| ``loading`` | reading a file (or Region Halland's default), errors naming the line |
| ``holiday_dates`` | closed days: Swedish public holidays and kept eves, from the ``holidays`` library |
| ``build`` | the workflow's ``Policy`` from a file, the settings that override it and the years it spans |
| ``compare`` | what a file changes from the default (``discharge policy check``) |
"""
