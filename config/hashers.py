"""Password hashing sized for the launch-day surge (DESIGN.md: 50 sign-ups a second).

Django 5.2's default, PBKDF2-SHA256 with 1,000,000 iterations, costs ~190 ms of one core per
hash, so two cores sign up at most ~10 people a second (docs/benchmarks.md). Argon2id is
memory-hard, so it resists GPU guessing at a much lower CPU cost per hash; these parameters are
one of OWASP's recommended equivalent Argon2id configurations (m = 12 MiB, t = 3, p = 1).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class MusaadaArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, 12 MiB, 3 passes, 1 lane (OWASP Password Storage Cheat Sheet)."""

    time_cost = 3
    memory_cost = 12288  # KiB
    parallelism = 1
