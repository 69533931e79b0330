package protocol

// Steer adds the user's input to the running turn: it joins the
// conversation before the turn's next model request (after the tool calls
// in flight), and the turn goes on with it instead of ending. With no turn
// running it is refused with an Error event (code "no_active_turn"); input
// that arrives as the turn ends becomes the next turn; an Interrupt drops it.
type Steer struct {
	Items []InputItem `json:"items"`
}

// OpType implementation.
func (Steer) OpType() string { return "steer" }
