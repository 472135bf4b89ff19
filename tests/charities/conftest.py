# The case fixtures of the one-aid-type tests serve the charity tests too.
from tests.dedup.conftest import capital, needy, student  # noqa: F401
