script = <<EOF
#!/bin/sh
echo "hi"
EOF
indented = <<-EOT
    one
      two
    EOT
/* block */ x = 0x1f // tail
