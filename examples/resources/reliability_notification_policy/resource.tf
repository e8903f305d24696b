# Who gets which alert. The provider block names the file:
#
#   provider "reliability" {
#     alertmanager {
#       config_file = "/etc/alertmanager/alertmanager.yml"
#       url         = "http://127.0.0.1:9093" # optional: POST /-/reload after changes
#     }
#   }
resource "reliability_notification_policy" "main" {
  receiver {
    name = "pager"
    pagerduty {
      routing_key_file = "/etc/alertmanager/pagerduty.key"
    }
  }

  receiver {
    name = "chat"
    slack {
      api_url_file = "/etc/alertmanager/slack.url"
      channel      = "#payments-alerts"
    }
  }

  receiver {
    name = "payments-oncall"
    email {
      to                 = "payments-oncall@example.com"
      from               = "alertmanager@example.com"
      smarthost          = "smtp.example.com:587"
      auth_username      = "alertmanager"
      auth_password_file = "/etc/alertmanager/smtp.password"
    }
  }

  page_receiver   = "pager" # severity = "page"
  ticket_receiver = "chat"  # severity = "ticket", and the default route
  group_wait      = "30s"
  repeat_interval = "4h"

  # The payments team is paged by email; its tickets still go to chat.
  route {
    matchers      = { team = "payments" }
    page_receiver = "payments-oncall"
  }

  # No notifications for the database during its Saturday upgrade slot.
  maintenance_window {
    name       = "db-upgrade"
    weekdays   = ["saturday"]
    start_time = "02:00"
    end_time   = "04:00"
    time_zone  = "Europe/Berlin"
    matchers   = { service = "db" }
  }
}
