-- The signals the data cannot measure (0 points, shown as unknown), with what it lacks for each.
select * from marts.score_unknown_signals order by signal
