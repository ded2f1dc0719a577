"""Campaigns (feature `campaigns`): zero-cost promotion that learns which content works.

`campaigns` creates (checked: range, variants, networks, smart link), lists, shows and cancels a
campaign and plans its posting slots at the account's best hours; `scheduler` fills each slot as it
comes due by Thompson sampling on the goal's measured rate (periodic `campaigns.allocate`), posting
through the social publisher; `report` compares the campaign with the artist's baseline (uplift with
a bootstrap interval, per variant and network) as chart-ready data.
"""
