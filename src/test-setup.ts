// The full tfjs package registers the cpu backend, every gradient and the chained ops, as the worker does.
import * as tf from '@tensorflow/tfjs';

// Quiets tfjs's "install tfjs-node" banner: our Node tests use the pure-JS cpu backend on purpose.
tf.env().set('PROD', true);
