-- Each broker entry summary the last build's entry-summary check warned of, and whether the founder marked every
-- warned row of it reviewed (found right: the broker's figure stands), with who, when and why: such an entry is not
-- one to correct. One row per entry number.
select
    row_key as entry_number,
    bool_and(reviewed_on is not null) as reviewed,
    max(reviewed_on) as reviewed_on,
    string_agg(distinct reviewed_by, ', ' order by reviewed_by) as reviewed_by,
    string_agg(distinct review_note, '; ' order by review_note) as review_note
from ingest.check_warning_rows
where check_name = 'landed_cost_entry_summaries'
group by row_key
order by row_key
