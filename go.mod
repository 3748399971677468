module github.com/rlakit/rlakit

go 1.26.0

require (
	github.com/go-json-experiment/json v1.27.2
	github.com/leanovate/gopter v0.2.11
	github.com/stretchr/testify v1.12.1
	gonum.org/v1/gonum v0.17.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
