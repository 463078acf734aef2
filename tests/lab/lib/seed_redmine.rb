# Seeds the lab Redmine (tests/lab/start_redmine) in one `rails runner` call, after the migrations and
# Redmine's default data (trackers Bug/Feature/Support, statuses, priorities Low..Immediate, activities
# Design/Development, roles Manager/Developer/Reporter):
# - the REST API on;
# - the admin (made by the migrations) no longer forced to change its password, and its API key;
# - a private project `acme` with issue and time tracking, every tracker, the admin as Manager.
# Writes what the tests need as JSON to ARGV[0].
require 'json'

Setting.rest_api_enabled = '1'

admin = User.find_by_login!('admin')
admin.update_columns(must_change_passwd: false)

project = Project.find_by(identifier: 'acme') || Project.create!(
  name: 'Acme', identifier: 'acme', is_public: false,
  enabled_module_names: %w[issue_tracking time_tracking], trackers: Tracker.all.to_a)
manager = Role.find_by!(name: 'Manager')
Member.create!(project: project, principal: admin, roles: [manager]) unless project.members.exists?(user_id: admin.id)

File.write(ARGV[0], JSON.generate(
  api_key: admin.api_key, project: project.identifier,
  trackers: Tracker.order(:position).pluck(:name), priorities: IssuePriority.order(:position).pluck(:name),
  activities: TimeEntryActivity.order(:position).pluck(:name), statuses: IssueStatus.order(:position).pluck(:name)))
