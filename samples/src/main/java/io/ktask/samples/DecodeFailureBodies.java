package io.ktask.samples;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * Gives a JSON message to the empty responses reactor-netty sends on its own when a request
 * cannot be decoded (414 request line too long, 431 headers too large, 400 malformed), so that
 * those rejections say what was wrong like every other 4xx of {@code serve}. The server's own
 * replies always have a body and pass through untouched. One instance per connection.
 */
final class DecodeFailureBodies extends ChannelOutboundHandlerAdapter {

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        String message = msg instanceof FullHttpResponse response && response.content().readableBytes() == 0
                ? message(response.status().code()) : null;
        if (message == null) {
            ctx.write(msg, promise);
            return;
        }
        FullHttpResponse empty = (FullHttpResponse) msg;
        byte[] body = (Reply.error(empty.status().code(), message, "").json() + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse filled = empty.replace(Unpooled.wrappedBuffer(body));
        empty.release();
        filled.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        ctx.write(filled, promise);
    }

    private static String message(int status) {
        return switch (status) {
            case 414 -> "request line longer than " + StatsServer.MAX_REQUEST_LINE + " bytes";
            case 431 -> "request headers larger than " + StatsServer.MAX_HEADERS + " bytes";
            case 400 -> "malformed HTTP request";
            default -> null;
        };
    }
}
