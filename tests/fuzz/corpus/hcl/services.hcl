# two services, one with a check
service {
  name = "web"
  port = 80
  tags = ["a", "b"]
  check {
    http     = "http://localhost/health"
    interval = "10s"
  }
}
service "db" {
  port   = 5432
  checks = [{ tcp = "localhost:5432", interval = 1.5e1 }]
}
