// The Java peer of the real-broker suite: Apache RocketMQ's own Java client (4.9.x or 5.x), driven by the tests through
// test/real/support/JavaPeer.ts. Compiled by that module against each client version's jars; uses only API present in
// both (where a type moved between them, such as MessageModel, it is reached by reflection).
//
// It speaks JSON lines on stdout (one object per line, ASCII only) and writes everything else to stderr: System.out is
// pointed at stderr before the client loads, so nothing the client logs can reach the JSON channel. It reads stdin
// for the whole run: "go" starts a bench; "stop", or stdin closing (its parent died), ends any command early.
//
// Commands (argv[0]); options are `--name value` (flags take no value):
//   produce --namesrv A --topic T --count N [--group G] [--tag X] [--keys "k1 k2"] [--prop k=v]...
//           [--body-base64 B | --size BYTES [--random-body]] [--delay-level L] [--send-timeout-ms MS]
//     sync sends, each with a 10 s timeout by default (a new topic's first send on a busy machine can take longer
//     than Java's 3 s); per send {"event":"sent",msgId,offsetMsgId,queueId,queueOffset,status,brokerName}, then
//     {"event":"done","count":sent}. --size: a body of that many bytes of repeated text (compressible: the client
//     compresses bodies over 4 KiB); --random-body makes it random bytes instead.
//   consume --namesrv A --topic T --group G [--expression E | --sql S] [--count N] [--timeout-ms MS]
//           [--from first|last] [--broadcast] [--orderly] [--fail-times K] [--max-reconsume N]
//     {"event":"started"}; per delivery {"event":"message",...,"status":"success"|"retry","delivery":d};
//     {"event":"assigned","queues":[{brokerName,queueId}...]} whenever the held queues of T change (polled every
//     100 ms, printed once two polls agree); ends after N successful deliveries, after MS, on "stop" or when stdin
//     closes; then shutdown() (persisting offsets) and {"event":"done","count":successes,"deliveries":d}. Deliveries
//     that arrive once it is ending are held (never printed nor acknowledged): they stay for the group's next consumer.
//     --fail-times K: each message is answered RECONSUME_LATER (SUSPEND_CURRENT_QUEUE_A_MOMENT when orderly) for its
//     first K deliveries (counted by msgId).
//   reply --namesrv A --topic T --group G [--count N] [--timeout-ms MS]
//     a push consumer of T (from the first offset) answering every request with MessageUtil.createReplyMessage, body
//     "re: " + the request's body (UTF-8), sent by a producer of the same JVM; {"event":"started"}; per request
//     {"event":"replied",...the request as in "message",sendStatus}; ends after N replies, after MS, on "stop" or when
//     stdin closes; then {"event":"done","count":replies}.
//   request --namesrv A --topic T [--count N] [--timeout-ms MS] [--body-base64 B]
//     N requests one after the other with DefaultMQProducer.request(msg, MS) (10 s by default); per reply
//     {"event":"reply",topic,properties,bodyBase64}; then {"event":"done","count":N}.
//   lite-pull --namesrv A --topic T --group G [--expression E] [--count N] [--timeout-ms MS] [--from first|last]
//     a DefaultLitePullConsumer subscribed to T (client defaults: auto-commit): {"event":"started"}; per message
//     polled {"event":"message",...,"status":"success","delivery":1}; {"event":"assigned",...} as for consume; ends
//     after N messages, after MS, on "stop" or when stdin closes; then shutdown() and {"event":"done","count":N}.
//   bench-produce --namesrv A --topic T --size BYTES --inflight K --count N [--random-body] [--send-timeout-ms MS]
//     one warm-up send, {"event":"ready"}, waits for "go", N async sends with at most K in flight,
//     {"event":"done","count":N,"elapsedMs":ms,"failed":F} (ms from "go" until every send settled).
//   bench-drain --namesrv A --topic T --group G --count N
//     client defaults, CONSUME_FROM_FIRST_OFFSET, a listener that only counts; {"event":"ready"}, waits for "go",
//     starts, {"event":"done","count":N,"elapsedMs":ms} once N were counted (ms from start()).
// The bench commands end with {"event":"stopped"} on "stop" (or stdin closing) before they finished.
// Any error: {"event":"error","message":...} and exit code 1.

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.MessageSelector;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.client.impl.consumer.ProcessQueue;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.utils.MessageUtil;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageClientExt;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

public final class RealPeer {
  /** The JSON channel: the process's real stdout. */
  private static final PrintStream OUT =
    new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.US_ASCII);

  private RealPeer() {}

  public static void main(String[] argv) {
    // Before any client class loads: whatever prints to System.out goes to stderr.
    System.setOut(System.err);
    // 4.9's own logger (file only unless told), 5.x's logback (its console appender off by default): both to a file.
    setDefault("rocketmq.client.logUseSlf4j", "false");
    daemon("real-peer-stdin", RealPeer::readStdin);
    Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
      System.err.println("uncaught in " + thread.getName());
      error.printStackTrace();
    });
    try {
      if (argv.length == 0) {
        throw new IllegalArgumentException("no command (produce, consume, lite-pull, bench-produce, bench-drain)");
      }
      Options options = Options.parse(argv);
      switch (argv[0]) {
        case "produce":
          produce(options);
          break;
        case "consume":
          consume(options);
          break;
        case "reply":
          reply(options);
          break;
        case "request":
          request(options);
          break;
        case "lite-pull":
          litePull(options);
          break;
        case "bench-produce":
          benchProduce(options);
          break;
        case "bench-drain":
          benchDrain(options);
          break;
        default:
          throw new IllegalArgumentException("unknown command " + argv[0]);
      }
      System.exit(0);
    } catch (Throwable error) {
      error.printStackTrace();
      emit(new Json().put("event", "error").put("message", describe(error)));
      System.exit(1);
    }
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) System.setProperty(key, value);
  }

  private static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (text.length() > 0) text.append(" <- ");
      text.append(cause.getClass().getName());
      if (cause.getMessage() != null) text.append(": ").append(cause.getMessage());
    }
    return text.toString();
  }

  // ---- produce --------------------------------------------------------------------------------------------------

  private static DefaultMQProducer producer(Options options, String defaultGroup, int sendTimeoutMs) throws Exception {
    // --trace: Java's message trace (enableMsgTrace), to RMQ_SYS_TRACE_TOPIC.
    DefaultMQProducer producer = new DefaultMQProducer(options.get("group", defaultGroup), options.flag("trace"), null);
    producer.setNamesrvAddr(options.required("namesrv"));
    producer.setVipChannelEnabled(false);
    producer.setSendMsgTimeout(options.integer("send-timeout-ms", sendTimeoutMs));
    producer.start();
    return producer;
  }

  private static byte[] body(Options options) {
    String base64 = options.get("body-base64", null);
    if (base64 != null) return Base64.getDecoder().decode(base64);
    int size = options.integer("size", -1);
    if (size < 0) return "RealPeer".getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[size];
    if (options.flag("random-body")) {
      new Random(size).nextBytes(body);
    } else {
      byte[] text = "effect-rocketmq real peer body, compressible text. ".getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < size; i++) body[i] = text[i % text.length];
    }
    return body;
  }

  private static Message message(Options options, String topic, byte[] body) {
    Message message = new Message(topic, body);
    String tag = options.get("tag", null);
    if (tag != null) message.setTags(tag);
    String keys = options.get("keys", null);
    if (keys != null) message.setKeys(keys);
    for (String property : options.all("prop")) {
      int eq = property.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("--prop wants k=v, got " + property);
      message.putUserProperty(property.substring(0, eq), property.substring(eq + 1));
    }
    int delayLevel = options.integer("delay-level", 0);
    if (delayLevel > 0) message.setDelayTimeLevel(delayLevel);
    return message;
  }

  private static void produce(Options options) throws Exception {
    String topic = options.required("topic");
    int count = options.integer("count", 1);
    byte[] body = body(options);
    DefaultMQProducer producer = producer(options, "REAL_PEER_PRODUCER", 10_000);
    int sent = 0;
    try {
      for (int i = 0; i < count && !stopRequested(); i++) {
        SendResult result = producer.send(message(options, topic, body));
        MessageQueue queue = result.getMessageQueue();
        emit(new Json().put("event", "sent")
          .put("msgId", result.getMsgId())
          .put("offsetMsgId", result.getOffsetMsgId())
          .put("queueId", queue.getQueueId())
          .put("queueOffset", result.getQueueOffset())
          .put("status", String.valueOf(result.getSendStatus()))
          .put("brokerName", queue.getBrokerName()));
        sent++;
      }
    } finally {
      producer.shutdown();
    }
    emit(new Json().put("event", "done").put("count", sent));
  }

  private static void benchProduce(Options options) throws Exception {
    String topic = options.required("topic");
    int count = options.integer("count", 1);
    int inflight = options.integer("inflight", 1);
    byte[] body = body(options);
    DefaultMQProducer producer = producer(options, "REAL_PEER_BENCH_PRODUCER", 3_000);
    try {
      producer.send(new Message(topic, body));
      emit(new Json().put("event", "ready"));
      if (!awaitGo()) {
        emit(new Json().put("event", "stopped"));
        return;
      }
      Semaphore permits = new Semaphore(inflight);
      AtomicInteger failed = new AtomicInteger();
      int issued = 0;
      long start = System.nanoTime();
      for (; issued < count && !stopRequested(); issued++) {
        permits.acquire();
        try {
          producer.send(new Message(topic, body), new SendCallback() {
            @Override
            public void onSuccess(SendResult result) {
              permits.release();
            }

            @Override
            public void onException(Throwable error) {
              failed.incrementAndGet();
              permits.release();
            }
          });
        } catch (Exception error) {
          failed.incrementAndGet();
          permits.release();
        }
      }
      permits.acquire(inflight); // every send settled
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      emit(new Json().put("event", "done")
        .put("count", issued)
        .put("elapsedMs", elapsedMs)
        .put("failed", failed.get()));
    } finally {
      producer.shutdown();
    }
  }

  // ---- consume --------------------------------------------------------------------------------------------------

  private static DefaultMQPushConsumer pushConsumer(Options options) throws Exception {
    DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(options.required("group"), options.flag("trace"), null);
    consumer.setNamesrvAddr(options.required("namesrv"));
    consumer.setVipChannelEnabled(false);
    consumer.setAllocateMessageQueueStrategy(new AllocateMessageQueueAveragely());
    return consumer;
  }

  /** 5.x only: the broker assigns the queues and says pull or pop (`setClientRebalance(false)`), set by reflection. */
  private static void setBrokerRebalance(DefaultMQPushConsumer consumer) throws Exception {
    consumer.getClass().getMethod("setClientRebalance", boolean.class).invoke(consumer, false);
  }

  /** MessageModel moved (common.protocol.heartbeat in 4.9, remoting.protocol.heartbeat in 5): set by reflection. */
  private static void setBroadcasting(DefaultMQPushConsumer consumer) throws Exception {
    for (Method method : consumer.getClass().getMethods()) {
      if (method.getName().equals("setMessageModel") && method.getParameterCount() == 1) {
        Class<?> type = method.getParameterTypes()[0];
        for (Object constant : type.getEnumConstants()) {
          if (((Enum<?>) constant).name().equals("BROADCASTING")) {
            method.invoke(consumer, constant);
            return;
          }
        }
      }
    }
    throw new IllegalStateException("this client has no setMessageModel(BROADCASTING)");
  }

  private static void consume(Options options) throws Exception {
    String topic = options.required("topic");
    int count = options.integer("count", -1);
    long timeoutMs = options.longInteger("timeout-ms", -1);
    int failTimes = options.integer("fail-times", 0);
    String from = options.get("from", "first");
    DefaultMQPushConsumer consumer = pushConsumer(options);
    if (from.equals("first")) consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    else if (from.equals("last")) consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
    else throw new IllegalArgumentException("--from wants first or last, got " + from);
    if (options.flag("broadcast")) setBroadcasting(consumer);
    if (options.flag("pop")) setBrokerRebalance(consumer);
    if (options.has("max-reconsume")) consumer.setMaxReconsumeTimes(options.integer("max-reconsume", 16));
    String sql = options.get("sql", null);
    if (sql != null) consumer.subscribe(topic, MessageSelector.bySql(sql));
    else consumer.subscribe(topic, options.get("expression", "*"));

    CountDownLatch end = new CountDownLatch(1);
    AtomicInteger successes = new AtomicInteger();
    AtomicInteger deliveries = new AtomicInteger();
    Map<String, AtomicInteger> deliveredById = new ConcurrentHashMap<>();
    Object ending = new Object();
    boolean[] isEnding = {false};

    // One delivery: held when ending, else printed and answered (true: acknowledge).
    Delivery deliver = (MessageExt message) -> {
      synchronized (ending) {
        while (isEnding[0]) {
          try {
            ending.wait();
          } catch (InterruptedException interrupted) {
            // held until the process exits, whatever interrupts it
          }
        }
      }
      int delivery = deliveredById.computeIfAbsent(idOf(message), (k) -> new AtomicInteger()).incrementAndGet();
      boolean ok = delivery > failTimes;
      deliveries.incrementAndGet();
      emit(messageJson(message).put("status", ok ? "success" : "retry").put("delivery", delivery));
      if (ok && successes.incrementAndGet() == count) {
        synchronized (ending) {
          isEnding[0] = true;
        }
        end.countDown();
      }
      return ok;
    };
    if (options.flag("orderly")) {
      consumer.registerMessageListener((MessageListenerOrderly) (messages, context) -> {
        for (MessageExt message : messages) {
          if (!deliver.accept(message)) return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
        }
        return ConsumeOrderlyStatus.SUCCESS;
      });
    } else {
      consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
        boolean ok = true;
        for (MessageExt message : messages) ok &= deliver.accept(message);
        return ok ? ConsumeConcurrentlyStatus.CONSUME_SUCCESS : ConsumeConcurrentlyStatus.RECONSUME_LATER;
      });
    }

    consumer.start();
    emit(new Json().put("event", "started"));
    Thread assigned = daemon("real-peer-assigned", () -> watchAssigned(consumer, topic));
    if (count == 0) end.countDown();
    awaitEnd(end, timeoutMs);
    synchronized (ending) {
      isEnding[0] = true;
    }
    assigned.interrupt();
    consumer.shutdown();
    emit(new Json().put("event", "done").put("count", successes.get()).put("deliveries", deliveries.get()));
  }

  /** Waits until `end` opens, "stop" comes (or stdin closes), or `timeoutMs` passes (no limit when negative). */
  private static void awaitEnd(CountDownLatch end, long timeoutMs) throws InterruptedException {
    daemon("real-peer-stop", () -> {
      try {
        STOP.await();
      } catch (InterruptedException interrupted) {
        return;
      }
      end.countDown();
    });
    if (timeoutMs >= 0) end.await(timeoutMs, TimeUnit.MILLISECONDS);
    else end.await();
  }

  private interface Delivery {
    boolean accept(MessageExt message);
  }

  private static String idOf(MessageExt message) {
    return message.getMsgId() != null ? message.getMsgId() : (message.getTopic() + "@" + message.getQueueOffset());
  }

  @SuppressWarnings("deprecation")
  private static void watchAssigned(DefaultMQPushConsumer consumer, String topic) {
    watchHeld(topic, () -> {
      List<MessageQueue> held = new ArrayList<>();
      Map<MessageQueue, ProcessQueue> table =
        consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable();
      for (Map.Entry<MessageQueue, ProcessQueue> entry : table.entrySet()) {
        if (!entry.getValue().isDropped()) held.add(entry.getKey());
      }
      return held;
    });
  }

  /** Prints {"event":"assigned",...} whenever the queues of `topic` that `heldQueues` answers change. */
  private static void watchHeld(String topic, Supplier<List<MessageQueue>> heldQueues) {
    // Starts from the empty set: the first line is the first assignment. A set is printed once two polls in a row saw
    // it, so a rebalance caught halfway (queues are added one by one) is not reported.
    String last = new Json().put("event", "assigned").put("queues", new ArrayList<>()).toString();
    String previous = last;
    try {
      while (!Thread.currentThread().isInterrupted()) {
        List<MessageQueue> held = new ArrayList<>();
        for (MessageQueue queue : heldQueues.get()) if (queue.getTopic().equals(topic)) held.add(queue);
        Collections.sort(held, (a, b) -> {
          int byBroker = a.getBrokerName().compareTo(b.getBrokerName());
          return byBroker != 0 ? byBroker : Integer.compare(a.getQueueId(), b.getQueueId());
        });
        List<Object> queues = new ArrayList<>();
        for (MessageQueue queue : held) {
          queues.add(new Json().put("brokerName", queue.getBrokerName()).put("queueId", queue.getQueueId()));
        }
        String line = new Json().put("event", "assigned").put("queues", queues).toString();
        if (line.equals(previous) && !line.equals(last)) {
          emitLine(line);
          last = line;
        }
        previous = line;
        Thread.sleep(100);
      }
    } catch (InterruptedException interrupted) {
      // ending
    }
  }

  // ---- lite-pull ----------------------------------------------------------------------------------------------------

  private static void litePull(Options options) throws Exception {
    String topic = options.required("topic");
    int count = options.integer("count", -1);
    long timeoutMs = options.longInteger("timeout-ms", -1);
    DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(options.required("group"));
    consumer.setNamesrvAddr(options.required("namesrv"));
    consumer.setVipChannelEnabled(false);
    String from = options.get("from", "first");
    if (from.equals("first")) consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    else if (from.equals("last")) consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
    else throw new IllegalArgumentException("--from wants first or last, got " + from);
    consumer.subscribe(topic, options.get("expression", "*"));
    consumer.start();
    emit(new Json().put("event", "started"));
    Thread assigned = daemon("real-peer-assigned", () -> watchHeld(topic, () -> liteAssigned(consumer)));
    long deadline = timeoutMs >= 0 ? System.currentTimeMillis() + timeoutMs : Long.MAX_VALUE;
    int polled = 0;
    while ((count < 0 || polled < count) && System.currentTimeMillis() < deadline && !stopRequested()) {
      for (MessageExt message : consumer.poll(200)) {
        emit(messageJson(message).put("status", "success").put("delivery", 1));
        polled++;
      }
    }
    assigned.interrupt();
    consumer.shutdown();
    emit(new Json().put("event", "done").put("count", polled).put("deliveries", polled));
  }

  /** The queues a lite pull consumer holds (its `AssignedMessageQueue`, reached by reflection: 4.9 has no getter). */
  private static List<MessageQueue> liteAssigned(DefaultLitePullConsumer consumer) {
    try {
      Field implField = DefaultLitePullConsumer.class.getDeclaredField("defaultLitePullConsumerImpl");
      implField.setAccessible(true);
      Object impl = implField.get(consumer);
      Field queuesField = impl.getClass().getDeclaredField("assignedMessageQueue");
      queuesField.setAccessible(true);
      Object assigned = queuesField.get(impl);
      Method messageQueues = assigned.getClass().getMethod("getAssignedMessageQueues");
      @SuppressWarnings("unchecked")
      Collection<MessageQueue> queues = (Collection<MessageQueue>) messageQueues.invoke(assigned);
      return new ArrayList<>(queues);
    } catch (ReflectiveOperationException error) {
      throw new IllegalStateException("cannot read the lite pull consumer's queues", error);
    }
  }

  private static void benchDrain(Options options) throws Exception {
    int count = options.integer("count", 1);
    DefaultMQPushConsumer consumer = pushConsumer(options);
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.subscribe(options.required("topic"), "*");
    AtomicInteger counted = new AtomicInteger();
    AtomicLong doneAt = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
      if (counted.addAndGet(messages.size()) >= count && doneAt.compareAndSet(0, System.nanoTime())) done.countDown();
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    emit(new Json().put("event", "ready"));
    if (!awaitGo()) {
      emit(new Json().put("event", "stopped"));
      return;
    }
    long start = System.nanoTime();
    consumer.start();
    while (!done.await(100, TimeUnit.MILLISECONDS)) {
      if (stopRequested()) {
        consumer.shutdown();
        emit(new Json().put("event", "stopped").put("count", counted.get()));
        return;
      }
    }
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(doneAt.get() - start);
    emit(new Json().put("event", "done").put("count", count).put("elapsedMs", elapsedMs));
    consumer.shutdown();
  }

  private static Json messageJson(MessageExt message) {
    return messageJson(message, "message");
  }

  private static Json messageJson(MessageExt message, String event) {
    Map<String, Object> properties = new TreeMap<>();
    if (message.getProperties() != null) properties.putAll(message.getProperties());
    String offsetMsgId =
      message instanceof MessageClientExt ? ((MessageClientExt) message).getOffsetMsgId() : message.getMsgId();
    byte[] body = message.getBody() == null ? new byte[0] : message.getBody();
    return new Json().put("event", event)
      .put("topic", message.getTopic())
      .put("tags", message.getTags())
      .put("keys", message.getKeys())
      .put("properties", properties)
      .put("bodyBase64", Base64.getEncoder().encodeToString(body))
      .put("msgId", message.getMsgId())
      .put("offsetMsgId", offsetMsgId)
      .put("queueId", message.getQueueId())
      .put("queueOffset", message.getQueueOffset())
      .put("reconsumeTimes", message.getReconsumeTimes())
      .put("bornTimestamp", message.getBornTimestamp())
      .put("storeTimestamp", message.getStoreTimestamp())
      .put("brokerName", message.getBrokerName());
  }

  // ---- request-reply ------------------------------------------------------------------------------------------------

  private static void reply(Options options) throws Exception {
    String topic = options.required("topic");
    int count = options.integer("count", -1);
    long timeoutMs = options.longInteger("timeout-ms", -1);
    DefaultMQProducer producer = producer(options, "REAL_PEER_REPLIER", 10_000);
    DefaultMQPushConsumer consumer = pushConsumer(options);
    consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    consumer.subscribe(topic, "*");
    AtomicInteger replied = new AtomicInteger();
    CountDownLatch end = new CountDownLatch(1);
    consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
      for (MessageExt message : messages) {
        String status;
        try {
          byte[] body = ("re: " + new String(message.getBody(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
          status = String.valueOf(producer.send(MessageUtil.createReplyMessage(message, body)).getSendStatus());
        } catch (Exception error) {
          status = "failed: " + describe(error);
        }
        emit(messageJson(message, "replied").put("sendStatus", status));
        if (replied.incrementAndGet() == count) end.countDown();
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    consumer.start();
    emit(new Json().put("event", "started"));
    awaitEnd(end, timeoutMs);
    consumer.shutdown();
    producer.shutdown();
    emit(new Json().put("event", "done").put("count", replied.get()));
  }

  private static void request(Options options) throws Exception {
    String topic = options.required("topic");
    int count = options.integer("count", 1);
    long timeoutMs = options.longInteger("timeout-ms", 10_000);
    byte[] body = body(options);
    DefaultMQProducer producer = producer(options, "REAL_PEER_REQUESTER", 10_000);
    int answered = 0;
    try {
      for (int i = 0; i < count && !stopRequested(); i++) {
        Message reply = producer.request(message(options, topic, body), timeoutMs);
        Map<String, Object> properties = new TreeMap<>();
        if (reply.getProperties() != null) properties.putAll(reply.getProperties());
        byte[] replyBody = reply.getBody() == null ? new byte[0] : reply.getBody();
        emit(new Json().put("event", "reply")
          .put("topic", reply.getTopic())
          .put("properties", properties)
          .put("bodyBase64", Base64.getEncoder().encodeToString(replyBody)));
        answered++;
      }
    } finally {
      producer.shutdown();
    }
    emit(new Json().put("event", "done").put("count", answered));
  }

  // ---- stdin, threads, output ---------------------------------------------------------------------------------------

  private static final CountDownLatch GO = new CountDownLatch(1);
  private static final CountDownLatch STOP = new CountDownLatch(1);

  /** Reads stdin for the whole run: "go" opens GO; "stop", or stdin closing, opens STOP (and GO, which then fails). */
  private static void readStdin() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String command = line.trim();
        if (command.equals("go")) GO.countDown();
        if (command.equals("stop")) break;
      }
    } catch (Exception error) {
      System.err.println("stdin unreadable, taken as closed: " + error);
    }
    STOP.countDown();
    GO.countDown();
  }

  private static boolean stopRequested() {
    return STOP.getCount() == 0;
  }

  /** Waits for "go": true when it came, false on "stop" or when stdin closed first. */
  private static boolean awaitGo() throws InterruptedException {
    GO.await();
    return !stopRequested();
  }

  private static Thread daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static void emit(Json json) {
    emitLine(json.toString());
  }

  private static synchronized void emitLine(String line) {
    OUT.print(line);
    OUT.print('\n');
    OUT.flush();
  }

  // ---- options --------------------------------------------------------------------------------------------------

  private static final class Options {
    private final Map<String, List<String>> values = new HashMap<>();

    private static final java.util.Set<String> FLAGS =
      new java.util.HashSet<>(java.util.Arrays.asList("broadcast", "orderly", "random-body", "trace", "pop"));

    static Options parse(String[] argv) {
      Options options = new Options();
      for (int i = 1; i < argv.length; i++) {
        String arg = argv[i];
        if (!arg.startsWith("--")) throw new IllegalArgumentException("expected an option, got " + arg);
        String name = arg.substring(2);
        String value;
        if (FLAGS.contains(name)) {
          value = "true";
        } else {
          if (i + 1 >= argv.length) throw new IllegalArgumentException("--" + name + " wants a value");
          value = argv[++i];
        }
        options.values.computeIfAbsent(name, (k) -> new ArrayList<>()).add(value);
      }
      return options;
    }

    boolean has(String name) {
      return values.containsKey(name);
    }

    boolean flag(String name) {
      return values.containsKey(name);
    }

    String get(String name, String fallback) {
      List<String> list = values.get(name);
      return list == null ? fallback : list.get(list.size() - 1);
    }

    List<String> all(String name) {
      List<String> list = values.get(name);
      return list == null ? Collections.emptyList() : list;
    }

    String required(String name) {
      String value = get(name, null);
      if (value == null) throw new IllegalArgumentException("--" + name + " is required");
      return value;
    }

    int integer(String name, int fallback) {
      String value = get(name, null);
      return value == null ? fallback : Integer.parseInt(value);
    }

    long longInteger(String name, long fallback) {
      String value = get(name, null);
      return value == null ? fallback : Long.parseLong(value);
    }
  }

  // ---- JSON -----------------------------------------------------------------------------------------------------

  /** An object written in insertion order; strings escaped to ASCII (\\uXXXX beyond it), so any text round-trips. */
  private static final class Json {
    private final StringBuilder text = new StringBuilder("{");

    Json put(String key, Object value) {
      if (text.length() > 1) text.append(',');
      string(text, key);
      text.append(':');
      value(text, value);
      return this;
    }

    @Override
    public String toString() {
      return text + "}";
    }

    private static void value(StringBuilder out, Object value) {
      if (value == null) {
        out.append("null");
      } else if (value instanceof Json) {
        out.append(value.toString());
      } else if (value instanceof String) {
        string(out, (String) value);
      } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
        out.append(value.toString());
      } else if (value instanceof Map) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
          if (!first) out.append(',');
          first = false;
          string(out, String.valueOf(entry.getKey()));
          out.append(':');
          value(out, entry.getValue());
        }
        out.append('}');
      } else if (value instanceof List) {
        out.append('[');
        boolean first = true;
        for (Object item : (List<?>) value) {
          if (!first) out.append(',');
          first = false;
          value(out, item);
        }
        out.append(']');
      } else {
        string(out, value.toString());
      }
    }

    private static void string(StringBuilder out, String value) {
      out.append('"');
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        switch (c) {
          case '"':
            out.append("\\\"");
            break;
          case '\\':
            out.append("\\\\");
            break;
          case '\n':
            out.append("\\n");
            break;
          case '\r':
            out.append("\\r");
            break;
          case '\t':
            out.append("\\t");
            break;
          default:
            if (c < 0x20 || c > 0x7e) {
              out.append(String.format("\\u%04x", (int) c));
            } else {
              out.append(c);
            }
        }
      }
      out.append('"');
    }
  }
}
