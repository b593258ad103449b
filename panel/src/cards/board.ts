// Board: GPIO pins (read, set high/low), PWM duty and frequency, analog
// readers and digital interrupts, each by name: the board API cannot list
// them, so the card asks for a name. A pin, reader or interrupt that was
// read once is then refreshed every second.

import { BoardClient, type RobotClient } from '@viamrobotics/sdk';
import { h, labelled, num } from '../dom';
import { Card } from './card';

export class BoardCard extends Card<BoardClient> {
  private readonly pin = h('input', { type: 'text', size: 6, placeholder: 'e.g. 11', testid: 'pin' });
  private readonly pinRead = h('button', { type: 'button', testid: 'pin-read' }, 'Read');
  private readonly pinHigh = h('button', { type: 'button', testid: 'pin-high' }, 'High');
  private readonly pinLow = h('button', { type: 'button', testid: 'pin-low' }, 'Low');
  private readonly pinValue = h('span', { class: 'value', testid: 'pin-value' });
  private readonly duty = h('input', { type: 'number', min: 0, max: 1, step: 0.05, placeholder: '0..1', testid: 'pwm-duty' });
  private readonly freq = h('input', { type: 'number', min: 0, step: 1, placeholder: 'Hz', testid: 'pwm-freq' });
  private readonly pwmSet = h('button', { type: 'button', testid: 'pwm-set' }, 'Set PWM');
  private readonly pwmRead = h('button', { type: 'button', testid: 'pwm-read' }, 'Read PWM');
  private readonly pwmValue = h('span', { class: 'value', testid: 'pwm-value' });
  private readonly analog = h('input', { type: 'text', size: 8, placeholder: 'e.g. a1', testid: 'analog' });
  private readonly analogRead = h('button', { type: 'button', testid: 'analog-read' }, 'Read');
  private readonly analogValue = h('span', { class: 'value', testid: 'analog-value' });
  private readonly interrupt = h('input', { type: 'text', size: 8, placeholder: 'e.g. di37', testid: 'interrupt' });
  private readonly interruptRead = h('button', { type: 'button', testid: 'interrupt-read' }, 'Read');
  private readonly interruptValue = h('span', { class: 'value', testid: 'interrupt-value' });
  /** What was read successfully, refreshed until its name is edited. */
  private watched: { pin?: string; analog?: string; interrupt?: string } = {};

  constructor(...args: ConstructorParameters<typeof Card>) {
    super(...args);
    const pinName = () => this.pin.value.trim();
    this.pinRead.addEventListener('click', () => void this.act('GetGPIO', () => this.readPin(pinName())));
    this.pinHigh.addEventListener('click', () => void this.setPin(pinName(), true));
    this.pinLow.addEventListener('click', () => void this.setPin(pinName(), false));
    this.pwmSet.addEventListener('click', () => {
      const pin = pinName();
      void this.act('SetPWM', async (b) => {
        if (this.duty.value !== '') await b.setPWM(pin, Number(this.duty.value));
        if (this.freq.value !== '') await b.setPWMFrequency(pin, Number(this.freq.value));
        await this.readPwm(pin);
      });
    });
    this.pwmRead.addEventListener('click', () => void this.act('GetPWM', () => this.readPwm(pinName())));
    this.analogRead.addEventListener('click', () => {
      void this.act('ReadAnalogReader', () => this.readAnalog(this.analog.value.trim()));
    });
    this.interruptRead.addEventListener('click', () => {
      void this.act('GetDigitalInterruptValue', () => this.readInterrupt(this.interrupt.value.trim()));
    });
    // Editing a name forgets the value read for the old one.
    this.pin.addEventListener('input', () => {
      this.watched.pin = undefined;
      this.pinValue.textContent = '';
      this.pwmValue.textContent = '';
    });
    this.analog.addEventListener('input', () => {
      this.watched.analog = undefined;
      this.analogValue.textContent = '';
    });
    this.interrupt.addEventListener('input', () => {
      this.watched.interrupt = undefined;
      this.interruptValue.textContent = '';
    });

    this.body.append(
      h('div', { class: 'row' }, labelled('pin', this.pin), this.pinRead, this.pinHigh, this.pinLow, this.pinValue),
      h('div', { class: 'row' }, labelled('PWM duty', this.duty), labelled('frequency', this.freq), this.pwmSet,
        this.pwmRead),
      h('div', { class: 'row' }, this.pwmValue),
      h('div', { class: 'row' }, labelled('analog', this.analog), this.analogRead, this.analogValue),
      h('div', { class: 'row' }, labelled('interrupt', this.interrupt), this.interruptRead, this.interruptValue),
    );
  }

  protected makeClient(robot: RobotClient): BoardClient {
    return new BoardClient(robot, this.id.name);
  }

  protected async refresh(): Promise<void> {
    const { pin, analog, interrupt } = this.watched;
    if (pin !== undefined) await this.readPin(pin);
    if (analog !== undefined) await this.readAnalog(analog);
    if (interrupt !== undefined) await this.readInterrupt(interrupt);
  }

  private async setPin(pin: string, high: boolean): Promise<void> {
    await this.act('SetGPIO', async (b) => {
      await b.setGPIO(pin, high);
      await this.readPin(pin);
    });
  }

  private async readPin(pin: string): Promise<void> {
    if (!pin) throw new Error('name a pin');
    const high = await this.client!.getGPIO(pin);
    this.pinValue.textContent = high ? 'high' : 'low';
    this.pinValue.dataset.pin = pin;
    this.watched.pin = pin;
  }

  private async readPwm(pin: string): Promise<void> {
    if (!pin) throw new Error('name a pin');
    const board = this.client!;
    const [duty, freq] = await Promise.all([board.getPWM(pin), board.getPWMFrequency(pin)]);
    this.pwmValue.textContent = `pin ${pin}: duty ${num(duty)} at ${num(freq)} Hz`;
  }

  private async readAnalog(name: string): Promise<void> {
    if (!name) throw new Error('name an analog reader');
    const reading = await this.client!.readAnalogReader(name);
    const range = reading.maxRange > reading.minRange ? ` (${num(reading.minRange)}..${num(reading.maxRange)})` : '';
    this.analogValue.textContent = `${reading.value}${range}`;
    this.analogValue.dataset.value = String(reading.value);
    this.watched.analog = name;
  }

  private async readInterrupt(name: string): Promise<void> {
    if (!name) throw new Error('name a digital interrupt');
    const count = await this.client!.getDigitalInterruptValue(name);
    this.interruptValue.textContent = `${count} ticks`;
    this.watched.interrupt = name;
  }
}
