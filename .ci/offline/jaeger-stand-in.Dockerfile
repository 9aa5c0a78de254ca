# CI stand-in for jaegertracing/jaeger:2.x, laid out like upstream's cmd/jaeger/Dockerfile: the all-in-one default
# config (memory storage, OTLP 4317/4318, UI and API 16686) listening on all interfaces, as user 10001.
FROM mesh-demo-ci/debian:bookworm-minbase
ENV JAEGER_LISTEN_HOST=0.0.0.0
COPY jaeger-linux /cmd/jaeger/jaeger-linux
EXPOSE 4317 4318 13133 16686
VOLUME ["/tmp"]
ENTRYPOINT ["/cmd/jaeger/jaeger-linux"]
USER 10001
