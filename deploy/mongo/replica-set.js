// Healthcheck of the `mongo` service in docker-compose.yml, run with
//   mongosh --quiet --norc --file /deploy/replica-set.js
//
// The API needs a replica set (transactions, change streams), even with one node.
// On the first check after a fresh volume this initiates the single-node replica
// set; every later check only reads its state. It exits 0 once this node is
// PRIMARY and 1 until then, so `depends_on: condition: service_healthy` holds the
// API back until writes are accepted. Safe to run any number of times.
//
// The member's host must be the name clients reach it by (the compose service
// name): drivers connect with ?replicaSet=rs0 and then use the hosts listed in the
// replica-set configuration, not the seed address.

const replicaSet = process.env.MONGO_REPLICA_SET || "rs0";
const memberHost = process.env.MONGO_REPLICA_HOST || "mongo:27017";

let status;
try {
  status = rs.status();
} catch (error) {
  if (error.codeName !== "NotYetInitialized") {
    throw error;
  }
  try {
    rs.initiate({ _id: replicaSet, members: [{ _id: 0, host: memberHost }] });
    print(`initiated replica set ${replicaSet} with member ${memberHost}`);
  } catch (initError) {
    // A concurrent check may have won the race; the next check reads the result.
    if (initError.codeName !== "AlreadyInitialized") {
      throw initError;
    }
  }
  // Just initiated: the election has not finished yet.
  quit(1);
}

if (status.set !== replicaSet) {
  print(`replica set is ${status.set}, expected ${replicaSet}`);
  quit(1);
}
quit(status.myState === 1 ? 0 : 1);
