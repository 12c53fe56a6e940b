datacenter = "east-aws"
log_level  = "INFO"
node_name  = "foobar"
server     = true
bootstrap_expect = 1
retry_join = ["10.0.0.2", "10.0.0.3",]

  # Watches call a handler when the checks change.
watches = [
  {
    type    = "checks"
    handler = "/usr/bin/health-check-handler.sh"
  }
]

telemetry {
  statsite_address = "127.0.0.1:2180"
}

ports {
  http = 8501
  dns  = -1
}
