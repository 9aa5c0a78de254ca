# CI stand-in for prom/prometheus: Debian's prometheus binary laid out like the upstream image (config in
# /etc/prometheus, data in /prometheus, user nobody), so compose runs it exactly as it runs the real one.
FROM mesh-demo-ci/debian:bookworm-minbase
COPY prometheus /bin/prometheus
RUN mkdir -p /etc/prometheus /prometheus && chown -R nobody:nogroup /etc/prometheus /prometheus
USER nobody
EXPOSE 9090
VOLUME ["/prometheus"]
WORKDIR /prometheus
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
