# Bulk data for the connector benchmark (bench/connectors/run.sh), run by `rails runner` in the lab
# Redmine (tests/lab/start_redmine) after its own seed:
#
#     bin/rails runner -e production seed_bulk.rb [ISSUES [TIME_ENTRIES]]    (defaults 10000 50000)
#
# Adds ISSUES issues and TIME_ENTRIES time entries to the project `acme` with `insert_all` in one
# transaction (a few seconds; `Issue.create!` for each would take many minutes). Deterministic (seeded
# random), relative to the time it runs:
# - issues "Bench issue 00001".. over trackers Bug/Feature/Support, every priority (mostly Normal) and
#   every status (about 40 % closed: Closed/Rejected, with closed_on), a third assigned to the admin,
#   a description of one to a few paragraphs, some with start/due dates, estimates and done ratios;
#   created_on spread over the last 400 days, updated_on between then and now with microseconds (so
#   distinct), except for two groups of 50 issues to exercise pagination ties: one group with exactly
#   the same updated_on, one within the same second (equal in the API, distinct in the database);
# - time entries: 90 % on those issues (spent on or after the issue's creation day), 10 % on the
#   project only; activities Design/Development; hours 0.25..8 by quarters; spent_on spread over the
#   last 400 days; created_on the evening of spent_on (never in the future), a group of 50 sharing
#   one created_on; 5 % updated later; comments "Bench entry 000042 ...".
# Nested-set columns of the issues: root_id = id, lft 1, rgt 2 (every issue a root).
# Prints one JSON line: the counts in the database and the seconds taken.
require 'json'

started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
issues_wanted = (ARGV[0] || 10_000).to_i
entries_wanted = (ARGV[1] || 50_000).to_i
rng = Random.new(20_261_204)

project = Project.find_by!(identifier: 'acme')
admin = User.find_by_login!('admin')
trackers = Tracker.where(name: %w[Bug Feature Support]).order(:position).to_a
priorities = IssuePriority.order(:position).to_a
statuses = IssueStatus.order(:position).to_a
activities = TimeEntryActivity.where(name: %w[Design Development]).order(:position).to_a
raise 'the lab seed is missing (trackers, priorities, statuses or activities)' if
  trackers.size != 3 || priorities.empty? || statuses.empty? || activities.size != 2

def weighted(rng, pairs) # pairs: [[value, weight], ...]
  pick = rng.rand(pairs.sum { |_, w| w })
  pairs.each do |value, w|
    return value if pick < w
    pick -= w
  end
end

priority_weights = priorities.map { |p| [p, { 'Normal' => 60, 'Low' => 15, 'High' => 15, 'Urgent' => 7 }.fetch(p.name, 3)] }
status_weights = statuses.map do |s|
  [s, { 'New' => 25, 'In Progress' => 15, 'Resolved' => 10, 'Feedback' => 10, 'Closed' => 32 }.fetch(s.name, 8)]
end
tracker_weights = trackers.zip([50, 30, 20])
words = %w[page login form cache plugin theme update backup checkout search menu image upload email cron
           database export import invoice user role permission redirect certificate sitemap newsletter
           translation slider footer header payment shipping stock report dashboard api webhook]

now = Time.now.utc.change(usec: 0)
span = 400 * 86_400
first_id = Issue.maximum(:id).to_i + 1
tie_exact = (first_id + issues_wanted / 3)...(first_id + issues_wanted / 3 + 50)       # one updated_on
tie_second = (first_id + 2 * issues_wanted / 3)...(first_id + 2 * issues_wanted / 3 + 50) # same second
tie_time = now - 30 * 86_400 + 0.25
issues = []
created_of = {}
issues_wanted.times do |i|
  id = first_id + i
  created = now - span + (span * i / issues_wanted.to_f) + rng.rand(3600)
  created = Time.at(created.to_i, rng.rand(1_000_000), :usec).utc
  created = now - 60 if created > now - 60
  updated = created + rng.rand(now - created)
  updated = Time.at(updated.to_i, rng.rand(1_000_000), :usec).utc
  if tie_exact.cover?(id)
    updated = tie_time
  elsif tie_second.cover?(id)
    updated = Time.at(tie_time.to_i + 86_400, id - tie_second.first, :usec).utc
  end
  created = updated if created > updated
  status = weighted(rng, status_weights)
  tracker = weighted(rng, tracker_weights)
  words3 = Array.new(3) { words[rng.rand(words.size)] }
  description = Array.new(1 + rng.rand(4)) do
    "The #{words3[0]} #{words3[1]} needs work on the #{words3[2]}: " + Array.new(8 + rng.rand(30)) { words[rng.rand(words.size)] }.join(' ') + '.'
  end.join("\n\n")
  start = rng.rand < 0.7 ? created.to_date : nil
  created_of[id] = created
  issues << {
    id: id, project_id: project.id, tracker_id: tracker.id, status_id: status.id,
    priority_id: weighted(rng, priority_weights).id, author_id: admin.id,
    assigned_to_id: rng.rand < 0.33 ? admin.id : nil,
    subject: format('Bench issue %05d: %s %s', i + 1, words3[0], words3[1]), description: description,
    start_date: start, due_date: start && rng.rand < 0.3 ? start + rng.rand(1..60) : nil,
    done_ratio: status.is_closed ? 100 : [0, 0, 10, 30, 50, 80][rng.rand(6)],
    estimated_hours: rng.rand < 0.4 ? (1 + rng.rand(32)) / 2.0 : nil,
    lock_version: 0, is_private: false, parent_id: nil, root_id: id, lft: 1, rgt: 2,
    created_on: created, updated_on: updated, closed_on: status.is_closed ? updated : nil
  }
end

issue_ids = created_of.keys
first_entry = TimeEntry.maximum(:id).to_i + 1
entry_tie = (first_entry + entries_wanted / 2)...(first_entry + entries_wanted / 2 + 50)
entries = []
entries_wanted.times do |j|
  id = first_entry + j
  issue_id = nil
  if !issue_ids.empty? && rng.rand < 0.9
    issue_id = issue_ids[rng.rand(issue_ids.size)]
    low = created_of[issue_id].to_date
  else
    low = (now - span).to_date
  end
  spent = low + rng.rand((now.to_date - low).to_i + 1)
  spent = [spent, (now - 8 * 86_400).to_date].min if entry_tie.cover?(id)
  created = Time.utc(spent.year, spent.month, spent.day, 17, 0, 0) + rng.rand(5 * 3600) + rng.rand(1_000_000) / 1e6
  created = now - 1 - rng.rand(3600) if created >= now
  created = now - 7 * 86_400 if entry_tie.cover?(id)
  updated = rng.rand < 0.05 ? created + rng.rand(now - created) : created
  entries << {
    id: id, project_id: project.id, issue_id: issue_id, user_id: admin.id, author_id: admin.id,
    activity_id: activities[rng.rand(2)].id, hours: (1 + rng.rand(32)) / 4.0,
    comments: format('Bench entry %06d: %s %s', j + 1, words[rng.rand(words.size)], words[rng.rand(words.size)]),
    spent_on: spent, tyear: spent.year, tmonth: spent.month, tweek: spent.cweek,
    created_on: created, updated_on: updated
  }
end
built = Process.clock_gettime(Process::CLOCK_MONOTONIC)

ActiveRecord::Base.transaction do
  issues.each_slice(2000) { |rows| Issue.insert_all!(rows) }
  entries.each_slice(5000) { |rows| TimeEntry.insert_all!(rows) }
end
done = Process.clock_gettime(Process::CLOCK_MONOTONIC)

puts JSON.generate(
  issues: Issue.where(project_id: project.id).count, time_entries: TimeEntry.where(project_id: project.id).count,
  added_issues: issues.size, added_time_entries: entries.size,
  closed_issues: Issue.where(project_id: project.id, status_id: statuses.select(&:is_closed).map(&:id)).count,
  hours: TimeEntry.where(project_id: project.id).sum(:hours).round(2),
  build_seconds: (built - started).round(2), insert_seconds: (done - built).round(2))
