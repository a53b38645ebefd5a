-- The reviews of warned rows the last build read (reviewed_warnings.csv of its input), one row per review: every one,
-- also those that match no row the build warned of (is_matched false: the row was corrected, or its values changed),
-- so that the Data page writes them back unchanged when a founder ticks another row.
select r.check_name, r.problem, r.reviewed_on, r.reviewed_by, r.note,
    exists (select 1 from ingest.check_warning_rows w
            where w.check_name = r.check_name and w.problem = r.problem) as is_matched
from raw.reviewed_warnings r
order by r.check_name, r.problem
