"""The attack suite: one module per item of the OWASP API Security Top 10 (2023).

Each module tries the attacks that item describes against this API, through the real
app and database; they extend the functional tests (``tests/api``) rather than repeat
them, and the README's Security section maps every promise to the test that proves it.
"""
