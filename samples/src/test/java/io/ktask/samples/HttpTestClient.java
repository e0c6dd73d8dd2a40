package io.ktask.samples;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * A reactor-netty {@link HttpClient} for the tests, on its own event loops and connection pool
 * (so that closing it leaves no thread behind), aimed at one port of 127.0.0.1. Every blocking
 * call is bounded by {@link #TIMEOUT}.
 */
final class HttpTestClient implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A response: status and body (empty string for none). */
    record Response(int status, String body) {

        /** @return the JSON number member {@code name} of the body */
        double number(String name) {
            return Double.parseDouble(member(name, "(-?[0-9.]+)"));
        }

        /** @return the JSON string member {@code name} of the body, unescaped */
        String text(String name) {
            return member(name, "\"((?:[^\"\\\\]|\\\\.)*)\"").replace("\\\"", "\"").replace("\\\\", "\\");
        }

        private String member(String name, String value) {
            Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":" + value).matcher(body);
            if (!m.find()) {
                throw new AssertionError("no member '" + name + "' in " + body);
            }
            return m.group(1);
        }
    }

    private final LoopResources loops;
    private final ConnectionProvider pool;
    private final HttpClient client;

    HttpTestClient(String name, int port) {
        loops = LoopResources.create(name, 2, true);
        pool = ConnectionProvider.create(name, 32);
        client = HttpClient.create(pool).runOn(loops).baseUrl("http://127.0.0.1:" + port);
    }

    /** @return the response to {@code GET uri}, when it has fully arrived */
    Response get(String uri) {
        return send(HttpMethod.GET, uri, h -> { }, null).block(TIMEOUT);
    }

    /** @return the response to {@code GET uri}, sent when subscribed */
    Mono<Response> getLater(String uri) {
        return send(HttpMethod.GET, uri, h -> { }, null);
    }

    /** @return the response to a request with the given method, headers and body (null for none) */
    Mono<Response> send(HttpMethod method, String uri, Consumer<HttpHeaders> headers, String body) {
        HttpClient.RequestSender request = client.headers(headers).request(method).uri(uri);
        return (body == null ? request : request.send(ByteBufFlux.fromString(Mono.just(body))))
                .responseSingle((response, content) -> content.asString().defaultIfEmpty("")
                        .map(text -> new Response(response.status().code(), text)));
    }

    @Override
    public void close() {
        pool.disposeLater().block(TIMEOUT);
        loops.disposeLater(Duration.ZERO, TIMEOUT).block(TIMEOUT);
    }
}
