-- Planned and realised contribution and the supplier-attributable leakage between them, for the filtered suppliers within the chosen months (one row).
select
    count(distinct supplier_id) as suppliers,
    cast(sum(planned_contribution) as double) as planned_contribution,
    cast(sum(realised_contribution) as double) as realised_contribution,
    cast(sum(supplier_leakage) as double) as leakage,
    cast(sum(non_supplier_returns) as double) as non_supplier_returns,
from marts.margin_leakage_wide
where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
    and ($month_from::date is null or month >= $month_from::date)
    and ($month_to::date is null or month <= $month_to::date)
