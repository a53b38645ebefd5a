-- Validity report card: the supplier ranking under weight changes; one row per scenario.
select scenario, pillar, factor, spearman, top_overlap, max_rank_shift, version
from marts.validity_stability
