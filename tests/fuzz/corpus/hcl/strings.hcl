"quoted key" = "caf\u00e9 \"q\" \\ \n \U0001F600"
list = [[1, -2], [], {a = true}]
