services {
  name = "web"
  port = 80
  tags = ["primary", "v1"]
  meta = { version = "1.2" }
  check {
    id       = "web-http"
    http     = "http://localhost/health"
    interval = "10s"
    timeout  = "1s"
  }
}
services {
  id   = "db"
  name = "postgres"
  port = 5432
  checks = [
    { tcp = "localhost:5432", interval = "15s" },
    { ttl = "30s" },
  ]
}
check {
  id = "mem"
  name = "Memory"
  args = ["/usr/local/bin/check_mem.py", "-limit", "256MB"]
  interval = "10s"
}
