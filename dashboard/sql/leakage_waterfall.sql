-- Leakage waterfall steps (planned → each leakage → realised) summed over the filtered suppliers, one supplier or one SKU, within the chosen months (one row per step).
select
    step,
    step_order,
    cast(sum(amount) as double) as amount,
from marts.margin_leakage
where ($ids::varchar[] is null or list_contains($ids::varchar[], supplier_id))
    and ($supplier_id::varchar is null or supplier_id = $supplier_id::varchar)
    and ($sku::varchar is null or sku = $sku::varchar)
    and ($month_from::date is null or month >= $month_from::date)
    and ($month_to::date is null or month <= $month_to::date)
group by step, step_order
order by step_order
