"""Settings of the load benchmark's server: Traseu's own, plus one URLconf that adds the bare
baseline view. Nothing here is part of the product."""

from traseu.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
