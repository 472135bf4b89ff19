"""The charities' pages, by topic: ``queue`` (home, queue, my cases), ``cases`` (one case and its
actions), ``licensing`` (applying to join, the ministry's licensing) and ``staff`` (a manager's
own staff). ``charities.urls`` maps them."""
