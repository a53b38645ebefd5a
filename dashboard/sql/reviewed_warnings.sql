-- The reviews of warned rows the last build read (reviewed_warnings.csv of its input): every one, also those that
-- match no warned row any more, so that the Data page writes them back unchanged when a founder ticks another row.
select check_name, problem, reviewed_on, reviewed_by, note
from raw.reviewed_warnings
order by check_name, problem
