-- Validity report card: one row per figure (section, metric, subject), as the build computed it.
select section, metric, subject, value, ci_low, ci_high, reference, n, verdict, version
from marts.validity_report
