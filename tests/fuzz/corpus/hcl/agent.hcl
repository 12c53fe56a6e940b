datacenter = "dc1"
data_dir   = "/opt/qonsul"
server     = true
retry_join = ["10.0.0.2", "10.0.0.3",]
ports {
  http = 8500
  dns  = -1
}
telemetry { statsite_address = "127.0.0.1:2180" }
