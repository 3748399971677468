module github.com/rlakit/rlakit

go 1.26.0

require (
	github.com/go-json-experiment/json v1.27.2 // indirect
	github.com/leanovate/gopter v0.2.11 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/exp v0.0.0-20261014143641-f0251eb4aa3e // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)
