// RUN: tessera-opt %s -split-input-file -verify-diagnostics

// The located errors of nn.lstm, nn.gru and nn.rnn: operand ranks and shapes
// against hidden_size, num_directions and the layout, constant sequence
// lengths, and every attribute value a model can get wrong.

func.func @x_rank(%x: tensor<5x3xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op X must have rank 3 (seq_length, batch_size, input_size), got rank 2}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @x_rank_layout(%x: tensor<5x3x4x1xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op X must have rank 3 (batch_size, seq_length, input_size), got rank 4}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {layout = 1} : (tensor<5x3x4x1xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @w_rank(%x: tensor<5x3x4xf32>, %w: tensor<8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op W must have rank 3 (num_directions, gates * hidden_size, input_size), got rank 2}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @r_rank(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op R must have rank 3 (num_directions, gates * hidden_size, hidden_size), got rank 2}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @w_directions(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<2x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op W dim 0 is 1, but num_directions is 2}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {direction = "bidirectional"} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<2x8x2xf32>, none, none, none, none, none) -> (tensor<5x2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32>)
  return
}

// -----

func.func @r_directions(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<2x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op R dim 0 is 2, but num_directions is 1}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<2x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @w_input(%x: tensor<5x3x4xf32>, %w: tensor<1x8x5xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op W dim 2 is 5, but X's input_size is 4}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x5xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @w_gates(%x: tensor<5x3x4xf32>, %w: tensor<1x12x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op W dim 1 is 12, but 4 * hidden_size is 8}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x12x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @r_gates(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x6x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op R dim 1 is 6, but 4 * hidden_size is 8}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x6x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @hidden_size(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op R dim 2 is 2, but hidden_size is 3}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {hidden_size = 3} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @hidden_size_zero(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op hidden_size must be positive, got 0}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {hidden_size = 0} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @b_shape(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %b: tensor<1x8xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op B dim 1 is 8, but 2 * 4 * hidden_size is 16}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %b, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, tensor<1x8xf32>, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @b_rank(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %b: tensor<16xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op B must have rank 2 (num_directions, 2 * gates * hidden_size), got rank 1}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %b, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, tensor<16xf32>, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @lens_batch(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %lens: tensor<4xi32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op sequence_lens dim 0 is 4, but batch_size is 3}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %lens, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, tensor<4xi32>, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @lens_range(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  %lens = nn.constant dense<[5, 6, 1]> : tensor<3xi32>
  // expected-error @+1 {{'nn.lstm' op sequence_lens[1] is 6, out of range [0, seq_length = 5]}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %lens, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, tensor<3xi32>, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @lens_negative(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  %lens = nn.constant dense<[-1, 2, 1]> : tensor<3xi32>
  // expected-error @+1 {{'nn.lstm' op sequence_lens[0] is -1, out of range [0, seq_length = 5]}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %lens, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, tensor<3xi32>, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @h0_batch(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %h0: tensor<1x2x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op initial_h dim 1 is 2, but batch_size is 3}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %h0, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, tensor<1x2x2xf32>, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @h0_layout(%x: tensor<3x5x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %h0: tensor<1x3x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op initial_h dim 1 is 3, but num_directions is 1}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %h0, %none, %none {layout = 1} : (tensor<3x5x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, tensor<1x3x2xf32>, none, none) -> (tensor<3x5x1x2xf32>, tensor<3x1x2xf32>, tensor<3x1x2xf32>)
  return
}

// -----

func.func @c0_rank(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %c0: tensor<3x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op initial_c must have rank 3 (num_directions, batch_size, hidden_size), got rank 2}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %c0, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, tensor<3x2xf32>, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @c0_hidden(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %c0: tensor<1x3x3xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op initial_c dim 2 is 3, but hidden_size is 2}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %c0, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, tensor<1x3x3xf32>, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @p_shape(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %p: tensor<1x8xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op P dim 1 is 8, but 3 * hidden_size is 6}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %p : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, tensor<1x8xf32>) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @direction(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op direction must be forward, reverse or bidirectional, got 'backward'}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {direction = "backward"} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @layout(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op layout must be 0 or 1, got 2}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {layout = 2} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @clip(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op clip must be positive, got -1}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {clip = -1.0 : f32} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @input_forget(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op input_forget must be 0 or 1, got 3}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {input_forget = 3} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @activation_name(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op activation 'Gelu' is not supported (expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign or Softplus)}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {activations = ["Sigmoid", "Gelu", "Tanh"]} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @activation_count(%x: tensor<5x3x4xf32>, %w: tensor<2x8x4xf32>, %r: tensor<2x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op activations must list 6 function(s) (3 per direction), got 3}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {activations = ["Sigmoid", "Tanh", "Tanh"], direction = "bidirectional"} : (tensor<5x3x4xf32>, tensor<2x8x4xf32>, tensor<2x8x2xf32>, none, none, none, none, none) -> (tensor<5x2x3x2xf32>, tensor<2x3x2xf32>, tensor<2x3x2xf32>)
  return
}

// -----

func.func @activation_alpha(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op activation_alpha has 2 value(s), but the activations take only 1}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {activation_alpha = array<f32: 0.5, 0.1>, activations = ["LeakyRelu", "Tanh", "Tanh"]} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @activation_beta(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op activation_beta has 1 value(s), but the activations take only 0}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none {activation_beta = array<f32: 0.5>} : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @element_type(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf64>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op W must have X's element type 'f32', got 'f64'}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf64>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @result(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.lstm' op result #0 has type 'tensor<5x1x3x3xf32>' but its operands and attributes imply 'tensor<5x1x3x2xf32>'}}
  %y0, %y1, %y2 = nn.lstm %x, %w, %r, %none, %none, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, none, none, none, none) -> (tensor<5x1x3x3xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @gru_lbr(%x: tensor<5x3x4xf32>, %w: tensor<1x6x4xf32>, %r: tensor<1x6x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.gru' op linear_before_reset must be 0 or 1, got 2}}
  %y0, %y1 = nn.gru %x, %w, %r, %none, %none, %none {linear_before_reset = 2} : (tensor<5x3x4xf32>, tensor<1x6x4xf32>, tensor<1x6x2xf32>, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @gru_gates(%x: tensor<5x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x6x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.gru' op W dim 1 is 8, but 3 * hidden_size is 6}}
  %y0, %y1 = nn.gru %x, %w, %r, %none, %none, %none : (tensor<5x3x4xf32>, tensor<1x8x4xf32>, tensor<1x6x2xf32>, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>)
  return
}

// -----

func.func @rnn_activations(%x: tensor<5x3x4xf32>, %w: tensor<2x2x4xf32>, %r: tensor<2x2x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.rnn' op activations must list 2 function(s) (1 per direction), got 3}}
  %y0, %y1 = nn.rnn %x, %w, %r, %none, %none, %none {activations = ["Tanh", "Tanh", "Relu"], direction = "bidirectional"} : (tensor<5x3x4xf32>, tensor<2x2x4xf32>, tensor<2x2x2xf32>, none, none, none) -> (tensor<5x2x3x2xf32>, tensor<2x3x2xf32>)
  return
}

// -----

func.func @rnn_x_rank(%x: tensor<4xf32>, %w: tensor<1x2x4xf32>, %r: tensor<1x2x2xf32>) {
  %none = nn.none
  // expected-error @+1 {{'nn.rnn' op X must have rank 3 (seq_length, batch_size, input_size), got rank 1}}
  %y0, %y1 = nn.rnn %x, %w, %r, %none, %none, %none : (tensor<4xf32>, tensor<1x2x4xf32>, tensor<1x2x2xf32>, none, none, none) -> (tensor<5x1x3x2xf32>, tensor<1x3x2xf32>)
  return
}
